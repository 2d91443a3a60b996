// Series role detection. The rules and their sources are written up in libs/dicom/vendor_conventions.md; keep the
// two in step. Order matters: explicit image-type tokens beat timing parameters, which beat free-text descriptions.
#include "myo/dicom/series_role.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "text_util.hpp"

namespace myo::dicom {
namespace {

using detail::contains_word;
using detail::split_values;
using detail::to_upper;

std::string trim_copy(std::string_view text) { return detail::trim(text); }

constexpr std::array<std::pair<SeriesRole, const char*>, 13> kRoleNames{{
    {SeriesRole::dixon_water, "dixon_water"},
    {SeriesRole::dixon_fat, "dixon_fat"},
    {SeriesRole::dixon_in_phase, "dixon_in_phase"},
    {SeriesRole::dixon_opposed_phase, "dixon_opposed_phase"},
    {SeriesRole::stir, "stir"},
    {SeriesRole::t1, "t1"},
    {SeriesRole::t2, "t2"},
    {SeriesRole::fat_fraction_map, "fat_fraction_map"},
    {SeriesRole::t2_map, "t2_map"},
    {SeriesRole::t2_multi_echo, "t2_multi_echo"},
    {SeriesRole::dixon_echo, "dixon_echo"},
    {SeriesRole::localizer, "localizer"},
    {SeriesRole::other, "other"},
}};

bool has_token(const std::vector<std::string>& tokens, std::string_view token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

// Dixon image kinds from ImageType/FrameType values. Siemens writes WATER, FAT, IN_PHASE, OPPOSED_PHASE (with or
// without a DIXON token); Philips enhanced FrameType writes WATER, FAT, FAT_FRACTION, and classic Philips may write
// the short private codes W, F, IP, OP as ImageType values.
std::optional<RoleDecision> from_image_type(std::vector<std::string> tokens, const std::string& source) {
  // GE writes some values with spaces ("FAT FRACTION", "IN PHASE"): compare them in the underscore spelling.
  for (auto& t : tokens) std::replace(t.begin(), t.end(), ' ', '_');
  const auto reason = [&](std::string_view token) { return fmt::format("{} contains {}", source, token); };
  struct Rule {
    const char* token;
    SeriesRole role;
  };
  // FAT_FRACTION before FAT; long tokens first, short Philips codes last (they could clash with other meanings).
  static constexpr std::array<Rule, 13> rules{{
      {"FAT_FRACTION", SeriesRole::fat_fraction_map},
      {"FF", SeriesRole::fat_fraction_map},
      {"PDFF", SeriesRole::fat_fraction_map},
      {"WATER", SeriesRole::dixon_water},
      {"FAT", SeriesRole::dixon_fat},
      {"IN_PHASE", SeriesRole::dixon_in_phase},
      {"OPPOSED_PHASE", SeriesRole::dixon_opposed_phase},
      {"OUT_PHASE", SeriesRole::dixon_opposed_phase},
      {"OPP_PHASE", SeriesRole::dixon_opposed_phase},
      {"W", SeriesRole::dixon_water},
      {"F", SeriesRole::dixon_fat},
      {"IP", SeriesRole::dixon_in_phase},
      {"OP", SeriesRole::dixon_opposed_phase},
  }};
  for (const auto& rule : rules) {
    if (has_token(tokens, rule.token)) return RoleDecision{rule.role, reason(rule.token)};
  }
  if (has_token(tokens, "T2_MAP") || has_token(tokens, "T2MAP")) return RoleDecision{SeriesRole::t2_map, reason("T2_MAP")};
  return std::nullopt;
}

std::optional<RoleDecision> from_philips_private(const std::string& value) {
  const std::string v = to_upper(value);
  const auto decide = [&](SeriesRole role) {
    return RoleDecision{role, fmt::format("Philips private image type (2005,1011) is {}", v)};
  };
  if (v == "W") return decide(SeriesRole::dixon_water);
  if (v == "F") return decide(SeriesRole::dixon_fat);
  if (v == "IP") return decide(SeriesRole::dixon_in_phase);
  if (v == "OP") return decide(SeriesRole::dixon_opposed_phase);
  if (v == "T2") return decide(SeriesRole::t2_map);
  return std::nullopt;
}

// GE LAVA-Flex / IDEAL prefix the SeriesDescription of each reconstructed image type.
std::optional<RoleDecision> from_ge_prefix(const std::string& description) {
  const std::string d = to_upper(description);
  struct Prefix {
    const char* text;
    SeriesRole role;
  };
  static constexpr std::array<Prefix, 6> prefixes{{{"WATER:", SeriesRole::dixon_water},
                                                   {"FAT:", SeriesRole::dixon_fat},
                                                   {"INPHASE:", SeriesRole::dixon_in_phase},
                                                   {"OUTPHASE:", SeriesRole::dixon_opposed_phase},
                                                   {"IN PHASE:", SeriesRole::dixon_in_phase},
                                                   {"OUT PHASE:", SeriesRole::dixon_opposed_phase}}};
  for (const auto& prefix : prefixes) {
    if (d.rfind(prefix.text, 0) == 0) {
      return RoleDecision{prefix.role, fmt::format("SeriesDescription starts with '{}' (GE Dixon)", prefix.text)};
    }
  }
  return std::nullopt;
}

std::string format_ms(const std::optional<double>& ms) { return ms ? fmt::format("{:g} ms", *ms) : "n/a"; }

// Inversion recovery: a STIR uses a short TI to null fat (~150-250 ms at 1.5-3 T); FLAIR uses TI ~2500 ms and shares
// the Siemens *tir sequence names, so TI decides. Without TI, the Siemens name alone is not enough.
std::optional<RoleDecision> from_inversion(const RoleEvidence& e, const std::vector<std::string>& scanning,
                                           const std::vector<std::string>& variant) {
  const std::string seq = to_upper(e.sequence_name);
  const bool siemens_tir = seq.find("TIR") != std::string::npos;
  const bool ir = has_token(scanning, "IR") || siemens_tir || has_token(variant, "MP") ||
                  seq.find("STIR") != std::string::npos;
  if (!ir) return std::nullopt;
  const std::string what = siemens_tir ? fmt::format("SequenceName {}", e.sequence_name) : "ScanningSequence IR";
  if (e.inversion_time_ms) {
    const double ti = *e.inversion_time_ms;
    if (ti > 50.0 && ti < 400.0) {
      return RoleDecision{SeriesRole::stir, fmt::format("{} with short InversionTime {} (STIR)", what, format_ms(e.inversion_time_ms))};
    }
    if (ti >= 400.0) {
      // FLAIR (TI ~2500 ms) or a T1-weighted IR (TI ~800-1200 ms): neither is a STIR.
      return RoleDecision{SeriesRole::other, fmt::format("{} with long InversionTime {} (not STIR: FLAIR or T1 IR)", what,
                                                         format_ms(e.inversion_time_ms))};
    }
  }
  return std::nullopt;
}

std::optional<RoleDecision> from_keywords(const RoleEvidence& e) {
  // Siemens names Dixon reconstructions by suffix (t1_vibe_dixon_tra_W, _F, _in, _opp). Single letters are only
  // trusted as such a suffix: as free words they collide ("REST1 w SMS").
  struct Suffix {
    const char* text;
    SeriesRole role;
  };
  static constexpr std::array<Suffix, 10> suffixes{{{"_W", SeriesRole::dixon_water},
                                                   {"_WATER", SeriesRole::dixon_water},
                                                   {"_FAT", SeriesRole::dixon_fat},
                                                   {"_OUT", SeriesRole::dixon_opposed_phase},
                                                   {"_OP", SeriesRole::dixon_opposed_phase},
                                                   {"_F", SeriesRole::dixon_fat},
                                                   {"_IN", SeriesRole::dixon_in_phase},
                                                   {"_OPP", SeriesRole::dixon_opposed_phase},
                                                   {"_FF", SeriesRole::fat_fraction_map},
                                                   {"_FP", SeriesRole::fat_fraction_map}}};
  const std::string description = to_upper(trim_copy(e.description));
  for (const auto& suffix : suffixes) {
    const std::string_view t = suffix.text;
    if (description.size() > t.size() && description.compare(description.size() - t.size(), t.size(), t) == 0) {
      return RoleDecision{suffix.role, fmt::format("SeriesDescription ends with '{}' (last resort)", suffix.text)};
    }
  }
  const std::string d = to_upper(e.description + " " + e.protocol_name);
  struct Keyword {
    const char* word;
    SeriesRole role;
  };
  // Whole-word matches (delimited by non-alphanumerics, so t2_tirm_tra matches TIRM).
  static constexpr std::array<Keyword, 20> keywords{{
      {"LOCALIZER", SeriesRole::localizer}, {"LOCALISER", SeriesRole::localizer}, {"SCOUT", SeriesRole::localizer},
      {"SURVEY", SeriesRole::localizer},    {"3PLANE", SeriesRole::localizer},    {"3-PLANE", SeriesRole::localizer},
      {"FAT_FRACTION", SeriesRole::fat_fraction_map}, {"PDFF", SeriesRole::fat_fraction_map},
      {"T2MAP", SeriesRole::t2_map},        {"T2_MAP", SeriesRole::t2_map},
      {"WATER", SeriesRole::dixon_water},   {"FAT", SeriesRole::dixon_fat},
      {"INPHASE", SeriesRole::dixon_in_phase}, {"OUTPHASE", SeriesRole::dixon_opposed_phase},
      {"STIR", SeriesRole::stir},           {"TIRM", SeriesRole::stir},
      {"T1", SeriesRole::t1},               {"T1W", SeriesRole::t1},
      {"T2", SeriesRole::t2},               {"T2W", SeriesRole::t2},
  }};
  // "fat sat", "water excitation": WATER/FAT words name Dixon images only in a Dixon-type description.
  const bool dixon_context = contains_word(d, "DIXON") || contains_word(d, "MDIXON") || contains_word(d, "IDEAL") ||
                             d.find("FLEX") != std::string::npos;
  for (const auto& k : keywords) {
    const bool dixon_word = k.role == SeriesRole::dixon_water || k.role == SeriesRole::dixon_fat ||
                            k.role == SeriesRole::dixon_in_phase || k.role == SeriesRole::dixon_opposed_phase;
    if (dixon_word && !dixon_context) continue;
    if (contains_word(d, k.word)) {
      return RoleDecision{k.role, fmt::format("SeriesDescription/ProtocolName keyword '{}' (last resort)", k.word)};
    }
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(SeriesRole role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "other";
}

std::optional<SeriesRole> role_from_string(std::string_view text) {
  for (const auto& [r, name] : kRoleNames) {
    if (text == name) return r;
  }
  return std::nullopt;
}

std::string role_names() {
  std::string out;
  for (const auto& entry : kRoleNames) out += (out.empty() ? "" : ", ") + std::string(entry.second);
  return out;
}

const char* to_string(Vendor vendor) {
  switch (vendor) {
    case Vendor::siemens: return "siemens";
    case Vendor::philips: return "philips";
    case Vendor::ge: return "ge";
    case Vendor::unknown: break;
  }
  return "unknown";
}

std::optional<Vendor> vendor_from_string(std::string_view text) {
  const std::string t = detail::to_lower(text);
  if (t == "siemens") return Vendor::siemens;
  if (t == "philips") return Vendor::philips;
  if (t == "ge") return Vendor::ge;
  if (t == "unknown") return Vendor::unknown;
  return std::nullopt;
}

Vendor vendor_from_manufacturer(std::string_view manufacturer) {
  const std::string m = detail::to_upper(manufacturer);
  if (m.find("SIEMENS") != std::string::npos) return Vendor::siemens;
  if (m.find("PHILIPS") != std::string::npos) return Vendor::philips;
  if (m.rfind("GE ", 0) == 0 || m == "GE" || m.find("GE MEDICAL") != std::string::npos ||
      m.find("GE HEALTHCARE") != std::string::npos) {
    return Vendor::ge;
  }
  return Vendor::unknown;
}

bool is_phase_image(const RoleEvidence& e) {
  const auto tokens = split_values(to_upper(e.image_type));
  const std::string complex = to_upper(e.complex_component);
  if (complex == "PHASE") return true;
  if (has_token(tokens, "P") || has_token(tokens, "PHASE") || has_token(tokens, "PHASE MAP")) return true;
  const auto xa = split_values(to_upper(e.siemens_image_type_text));
  if (has_token(xa, "P") || has_token(xa, "PHASE")) return true;
  return to_upper(e.philips_image_type) == "P";
}

RoleDecision detect_role(const RoleEvidence& e) {
  const auto tokens = split_values(to_upper(e.image_type));
  const auto scanning = split_values(to_upper(e.scanning_sequence));
  const auto variant = split_values(to_upper(e.sequence_variant));

  // Localizers first: their ImageType may also carry contrast words, and they never take part in analysis.
  if (has_token(tokens, "LOCALIZER") || has_token(tokens, "SCOUT")) {
    return {SeriesRole::localizer, "ImageType contains LOCALIZER"};
  }
  if (e.orientation_count >= 3 && e.slice_count <= 60) {
    return {SeriesRole::localizer, fmt::format("{} slice orientations in one series (3-plane localizer)", e.orientation_count)};
  }
  // Phase images share TE/TR and sometimes descriptions with the magnitude: never let them take a magnitude role.
  if (is_phase_image(e)) {
    return {SeriesRole::other, "phase image (ComplexImageComponent/ImageType P): not a magnitude image"};
  }
  if (auto d = from_image_type(tokens, "ImageType")) return *d;
  if (auto d = from_philips_private(e.philips_image_type)) return *d;
  if (auto d = from_image_type(split_values(to_upper(e.siemens_image_type_text)), "Siemens ImageTypeText (0021,1175)")) return *d;
  if (auto d = from_ge_prefix(e.description)) return *d;
  if (auto d = from_inversion(e, scanning, variant)) return *d;
  // A description that names a localizer beats timing rules (short-TR gradient echo scouts look like T1).
  const std::string desc_upper = to_upper(e.description);
  for (const char* word : {"LOCALIZER", "LOCALISER", "SCOUT", "SURVEY", "3PLANE", "3-PLANE"}) {
    if (contains_word(desc_upper, word) || desc_upper.find(word) != std::string::npos) {
      return {SeriesRole::localizer, fmt::format("SeriesDescription contains '{}'", word)};
    }
  }
  // Spin echo without inversion: T1 = short TR and short TE; T2 = long TR and long TE (textbook weighting bounds).
  const bool spin_echo = has_token(scanning, "SE") && !has_token(scanning, "IR");
  if (spin_echo && e.repetition_time_ms && e.echo_time_ms) {
    const double tr = *e.repetition_time_ms;
    const double te = *e.echo_time_ms;
    const bool fat_sat = to_upper(e.scan_options).find("FS") != std::string::npos;
    if (tr < 1000.0 && te < 30.0) {
      return {SeriesRole::t1, fmt::format("spin echo (ScanningSequence SE) with short TR {} and TE {} (T1-weighted)",
                                          format_ms(e.repetition_time_ms), format_ms(e.echo_time_ms))};
    }
    if (tr >= 1500.0 && te >= 60.0) {
      return {SeriesRole::t2, fmt::format("spin echo with long TR {} and TE {} (T2-weighted{})", format_ms(e.repetition_time_ms),
                                          format_ms(e.echo_time_ms), fat_sat ? ", fat saturated" : "")};
    }
  }
  if (auto d = from_keywords(e)) return *d;
  return {SeriesRole::other, "no role-defining tags"};
}

}  // namespace myo::dicom
