// inspect and backup: the use-cases that only read.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/ops/slot.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/ops/target.hpp"

namespace photon_dct::ops {

// ---- inspect ----------------------------------------------------------------------------

struct InspectRequest {
    std::optional<UserValue> device_os;  // only what that Device OS version does
    std::vector<std::string> raw_fields; // DCT field names to show as bytes
    bool alt_names = false;              // unit.usb->alt_names: every DFU alt's name (more transfers)
};

struct InspectResult {
    std::string source; // store description
    const dct::Platform* platform = nullptr;
    UnitInfo unit; // who the result is about; unit.usb is nullopt for an image file
    Bytes window;  // the bytes decoded
    dct::DctReport report;
};

// Checks the version and (once the platform is known) the --raw field names, then reads and
// decodes the window.
InspectResult inspect(Target& target, const InspectRequest& request);

// ---- backup -----------------------------------------------------------------------------

struct BackupRequest {
    std::optional<std::filesystem::path> output; // default: the store's backup name
};

struct BackupResult {
    std::string source;
    UnitInfo unit; // who the result is about
    std::filesystem::path path;
    std::size_t size = 0;
    std::string sha256;
};

// The whole window to the output file, mode 0600, never overwriting (an existing output is
// refused before the unit is read).
BackupResult backup(Target& target, const BackupRequest& request);

// Error(FileIo) when `path` exists (also as a dangling symlink): photon-dct never overwrites a file.
void require_new_file(const std::filesystem::path& path, std::string_view what);

} // namespace photon_dct::ops
