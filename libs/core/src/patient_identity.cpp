#include "myo/core/patient_identity.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <cstdint>

namespace myo::core {
namespace {

using Digest = std::array<std::uint8_t, 32>;

constexpr std::array<std::uint32_t, 64> kRounds{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(std::array<std::uint32_t, 8>& state, const std::uint8_t* block) {
  std::array<std::uint32_t, 64> w{};
  for (int i = 0; i < 16; ++i)
    w[i] = std::uint32_t{block[4 * i]} << 24 | std::uint32_t{block[4 * i + 1]} << 16 |
           std::uint32_t{block[4 * i + 2]} << 8 | std::uint32_t{block[4 * i + 3]};
  for (int i = 16; i < 64; ++i) {
    const auto s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const auto s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  auto v = state;  // a b c d e f g h
  for (int i = 0; i < 64; ++i) {
    const auto t1 = v[7] + (rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) +
                    kRounds[i] + w[i];
    const auto t2 = (rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22)) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
  }
  for (int i = 0; i < 8; ++i) state[i] += v[i];
}

Digest sha256(std::string_view data) {
  std::array<std::uint32_t, 8> state{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string padded(data);
  padded.push_back(static_cast<char>(0x80));
  while (padded.size() % 64 != 56) padded.push_back('\0');
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  for (int i = 7; i >= 0; --i) padded.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  for (std::size_t at = 0; at < padded.size(); at += 64)
    compress(state, reinterpret_cast<const std::uint8_t*>(padded.data() + at));
  Digest out{};
  for (int i = 0; i < 32; ++i) out[i] = static_cast<std::uint8_t>(state[i / 4] >> (24 - 8 * (i % 4)));
  return out;
}

std::string hex(const Digest& digest) {
  std::string out;
  for (const auto byte : digest) out += fmt::format("{:02x}", byte);
  return out;
}

// RFC 2104 with a fixed application key: the same patient gives the same pseudonym on every installation (analyses
// made on a cluster and at a workstation are compared), and a plain SHA-256 table of IDs does not match it.
Digest hmac_sha256(std::string_view key, std::string_view message) {
  std::string block(key.size() > 64 ? std::string(reinterpret_cast<const char*>(sha256(key).data()), 32)
                                    : std::string(key));
  block.resize(64, '\0');
  std::string inner(64, '\0'), outer(64, '\0');
  for (int i = 0; i < 64; ++i) {
    inner[i] = static_cast<char>(block[i] ^ 0x36);
    outer[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  const auto inner_digest = sha256(inner + std::string(message));
  return sha256(outer + std::string(reinterpret_cast<const char*>(inner_digest.data()), inner_digest.size()));
}

}  // namespace

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

bool site_key_configured() {
  const char* key = std::getenv("MYOSCOPE_SITE_KEY");
  return key != nullptr && *key != '\0';
}

std::string patient_pseudonym(const PatientIdentity& identity) {
  if (identity.patient_id.empty() && identity.issuer_of_patient_id.empty() && identity.patient_birth_date.empty())
    return {};
  // The unit separator cannot occur in these values (LO and DA exclude control characters).
  const std::string message =
      identity.patient_id + '\x1f' + identity.issuer_of_patient_id + '\x1f' + identity.patient_birth_date;
  if (site_key_configured()) return "hmac-sha256-site:" + hex(hmac_sha256(std::getenv("MYOSCOPE_SITE_KEY"), message));
  return "hmac-sha256:" + hex(hmac_sha256("MyoScope patient pseudonym v1", message));
}

}  // namespace myo::core
