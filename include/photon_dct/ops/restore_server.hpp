// restore-server: the server public key and address block of one slot (docs/dct-format.md 3, 6.5),
// written through write_regions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/slot.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/ops/write.hpp"

namespace photon_dct::ops {

struct RestoreServerRequest {
    // Particle's own cloud: its public key for the slot and the address block the firmware
    // restores by itself (docs/dct-format.md 4.3, 9.3); key_path, host and port are then unused.
    bool particle_cloud = false;
    std::filesystem::path key_path;
    UserValue host;
    std::optional<UserValue> port; // nullopt: the firmware's default port
    std::optional<dct::Slot> slot; // default: the slot the unit uses
    WriteOptions write;
};

// What the user gave, checked before any device or file is touched: the key file, host and port.
struct ServerBlockInput {
    keys::Key key; // as loaded; a private key's public half is what gets written
    std::string key_fingerprint;
    std::string key_algorithm;
    dct::Host host;
    std::optional<std::uint16_t> port;
    std::vector<std::string> warnings;
};
ServerBlockInput check_server_block_input(const RestoreServerRequest& request);

// The slot rules that need no DCT bytes: UDP refused on Photon/P1; the key type of a slot that
// the request or the platform fixes (no input: Particle's cloud, whose key fits every slot).
void check_server_key_for_platform(const dct::Platform& platform, const RestoreServerRequest& request,
                                   const ServerBlockInput* input);

struct RestoreServerResult {
    std::string source;
    UnitInfo unit; // who the result is about
    const dct::Platform* platform = nullptr;
    dct::Slot slot = dct::Slot::Tcp;
    std::vector<std::string> warnings;
    std::string key_fingerprint;
    std::string host;
    std::optional<std::uint16_t> port;
    dct::SlotInfo before;
    dct::SlotInfo after;
    WriteOutcome write;
};

RestoreServerResult restore_server(Target& target, const RestoreServerRequest& request);

} // namespace photon_dct::ops
