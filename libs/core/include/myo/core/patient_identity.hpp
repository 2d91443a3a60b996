#pragma once
// Whose images these are, in a form that can be stored and compared without storing who it is: a keyed hash
// (HMAC-SHA-256) of PatientID, IssuerOfPatientID and PatientBirthDate. Two analyses of one patient carry the same
// pseudonym; the identifiers cannot be read back from it (a dictionary attack on a known ID range is possible, so it
// is a pseudonym, not an anonymisation). Never logged.
#include <string>
#include <string_view>

namespace myo::core {

struct PatientIdentity {
  std::string patient_id;
  std::string issuer_of_patient_id;
  std::string patient_birth_date;
};

// "hmac-sha256:" (built-in key) or "hmac-sha256-site:" (the site key in MYOSCOPE_SITE_KEY) followed by 64 hex
// digits; empty when all three fields are empty (nothing to compare). Only a site key, kept secret at the site, stops
// someone who guesses a patient's ID and birth date from confirming the guess.
[[nodiscard]] std::string patient_pseudonym(const PatientIdentity& identity);
[[nodiscard]] bool site_key_configured();  // MYOSCOPE_SITE_KEY is set and not empty
// The key scheme of a pseudonym ("hmac-sha256" or "hmac-sha256-site"): pseudonyms compare only within one scheme.
[[nodiscard]] inline std::string pseudonym_scheme(const std::string& pseudonym) {
  return pseudonym.substr(0, pseudonym.find(':'));
}

// SHA-256 of `data` as 64 lowercase hex digits (FIPS 180-4).
[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace myo::core
