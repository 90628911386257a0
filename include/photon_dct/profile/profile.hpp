// Provisioning profiles: one TOML file that says what every unit must hold (the server block, what
// to do about a missing device key, where backups, public keys and the audit log go). The profile
// target is the only code that includes the TOML parser; this header holds no TOML type.
// Everything is validated here, before any unit is touched: unknown keys, wrong types, missing
// files and bad hosts, ports or keys are Error(InvalidInput) / Error(FileIo) whose message starts
// with "FILE:LINE:COLUMN: ".
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/keys/key.hpp"

namespace photon_dct::profile {

// What provision does when a unit's device key is blank or unusable.
enum class MissingKeyAction {
    Restore, // put back the key from the unit's own backup in [files] backups
    New,     // generate a key the firmware reads; the private key is saved beside the public keys (0600)
    Fail,    // write nothing to the key slot: the unit fails with a finding
};

// [server]: either Particle's own cloud or a private cloud (key + host [+ port]).
struct ServerSpec {
    bool particle_cloud = false;            // cloud = "particle"
    std::optional<keys::Key> key;           // private cloud: its public key (RSA-2048 TCP / EC P-256 UDP)
    std::filesystem::path key_path;         // as resolved, for messages
    std::optional<dct::Host> host;          // private cloud only
    std::optional<std::uint16_t> port;      // nullopt: the firmware's default port (5683 TCP / 5684 UDP)
    std::optional<dct::Slot> protocol; // Electron only; nullopt keeps the unit's own choice
};

struct Profile {
    std::filesystem::path path; // the profile file as given
    std::string sha256;         // of the file's bytes, recorded in every audit record
    std::string name;
    ServerSpec server;
    MissingKeyAction missing_key = MissingKeyAction::Fail;
    std::filesystem::path public_keys; // directory of <deviceid>.pub.pem
    std::filesystem::path backups;     // directory of DCT backups
    std::filesystem::path audit;       // the JSON Lines audit log (created on first use)
};

// The longest profile file read (a profile is a few hundred bytes).
inline constexpr std::size_t kMaxProfileSize = 64 * 1024;

// Reads, parses and validates the profile at `path`. Paths inside it are relative to its directory.
Profile load_profile(const std::filesystem::path& path);

// The same on text already read (`path` names it in messages and anchors relative paths).
Profile parse_profile(std::string_view text, const std::filesystem::path& path);

} // namespace photon_dct::profile
