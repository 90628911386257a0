// The use-cases behind the commands. Each takes an open DctStore and returns a result struct;
// none prints. The safety rules of every write are in write_regions (write.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/ops/write.hpp"

namespace photon_dct::ops {

// ---- inspect ----------------------------------------------------------------------------

struct InspectResult {
    std::string source; // store description
    Bytes window;       // the bytes decoded
    dct::DctReport report;
};

InspectResult inspect(DctStore& store, std::optional<dct::OsRange> os_range);

// ---- backup -----------------------------------------------------------------------------

struct BackupResult {
    std::string source;
    std::filesystem::path path;
    std::size_t size = 0;
    std::string sha256;
};

// The whole window to `path` (default: the store's backup name), mode 0600, never overwriting.
BackupResult backup(DctStore& store, const std::optional<std::filesystem::path>& path);

// ---- restore-server ---------------------------------------------------------------------

struct RestoreServerRequest {
    std::filesystem::path key_path;
    std::string host;
    std::optional<std::string> port;        // text as given, validated here
    std::optional<dct::Transport> protocol; // default: the transport the unit uses
    WriteOptions write;
};

// Inputs checked before any device or file is touched (issue: "validate everything before
// writing anything"): the key file, host and port.
struct ServerBlockInput {
    keys::Key key; // as loaded; a private key's public half is what gets written
    std::string key_fingerprint;
    std::string key_algorithm;
    dct::Host host;
    std::optional<std::uint16_t> port;
    std::vector<std::string> warnings;
};
ServerBlockInput check_server_block_input(const RestoreServerRequest& request);
// Once the target is open, before its DCT is read: the slot rules that do not depend on the DCT
// (UDP refused on Photon/P1; the key type of a slot that --protocol or the platform fixes).
void check_server_key_for_platform(const dct::Platform& platform, const RestoreServerRequest& request,
                                   const ServerBlockInput& input);

struct RestoreServerResult {
    std::string source;
    dct::Transport transport = dct::Transport::Tcp;
    std::vector<std::string> warnings;
    std::string key_fingerprint;
    std::string host;
    std::optional<std::uint16_t> port;
    dct::SlotInfo before;
    dct::SlotInfo after;
    WriteOutcome write;
};

RestoreServerResult restore_server(DctStore& store, const RestoreServerRequest& request, const ServerBlockInput& input);

// The transport a write goes to: the one asked for (refused on a TCP-only platform), or the one
// the unit uses now (Electron: cloud_transport).
dct::Transport choose_transport(const dct::Platform& platform, const Bytes& window,
                                std::optional<dct::Transport> asked);

} // namespace photon_dct::ops
