// verify and provision against a profile (issue 10): what a unit must hold is the profile's server
// block, protocol (Electron) and a usable device key that matches the public key registered for the
// unit. verify only reads; provision plans every change, backs up, makes ONE write covering all of
// them (write_regions), verifies it by reading back, and exports <deviceid>.pub.pem. Neither prints.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/ops/write.hpp"
#include "photon_dct/profile/profile.hpp"

namespace photon_dct::ops {

// One difference between a unit and its profile.
struct ProfileFinding {
    std::string code;      // stable: "server-key", "server-address", "server-port", "protocol", "device-key-unusable",
                           // "device-key-conflict", "device-id-missing", "device-id-mismatch",
                           // "server-key-slot"
    std::string field;     // the DCT field it is about (platform table name), empty when none
    std::string message;   // what differs, for a technician
    bool blocking = false; // provision cannot fix it: the unit fails (nothing is written)
};

struct ProfileCheck {
    std::string source;
    UnitInfo unit; // who the result is about
    const dct::Platform* platform = nullptr;
    dct::Slot slot = dct::Slot::Tcp; // the slot the profile is checked against
    std::string dct_sha256;          // of the window read
    std::vector<ProfileFinding> findings;
    bool conforms() const { return findings.empty(); }
};

// Reads the window once and compares it with the profile. Never writes.
ProfileCheck verify(Target& target, const profile::Profile& profile);

struct ProvisionOptions {
    bool leave = false;  // reset the unit into its firmware after a verified write (or when it already conforms)
    ProgressFn progress; // one line per step of the write, for stderr
};

enum class ProvisionOutcome { Written, AlreadyConforms, Failed };

struct ProvisionResult {
    ProfileCheck before; // what verify found before anything was written
    ProvisionOutcome outcome = ProvisionOutcome::Failed;
    std::string failure;              // why the unit failed (the blocking finding), when it did
    std::vector<std::string> actions; // "server address restored", "device key kept", ...
    std::vector<std::string> changed_fields;
    std::optional<std::filesystem::path> public_key_path; // <public_keys>/<id>.pub.pem written or already there
    std::optional<std::string> public_key_sha256;
    std::optional<std::filesystem::path> private_key_path; // missing = "new": <public_keys>/<id>.pem (0600)
    std::optional<std::filesystem::path> key_backup;       // missing = "restore": the backup the key came from
    std::optional<WriteOutcome> write;                     // set when a write was made
    std::string dct_sha256_after;                          // equals before.dct_sha256 when nothing was written
    bool left = false;
};

// The whole sequence for one unit. Errors (USB, files, verify mismatch) are thrown as Error; a unit
// the profile's rules refuse (a key conflict, missing = "fail") is a result with outcome Failed.
ProvisionResult provision(Target& target, const profile::Profile& profile, const ProvisionOptions& options);

} // namespace photon_dct::ops
