// The one write path every command uses, so the safety rules live in one place: validate the
// range, skip a write that changes nothing, back up the whole window first, write once, read
// back and compare, and only then leave DFU mode.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/ops/store.hpp"

namespace photon_dct::ops {

struct Region {
    std::uint32_t offset;
    Bytes bytes;
};

struct WriteOptions {
    bool dry_run = false;
    bool leave = false;                               // reset a device into its firmware after a verified write
    std::optional<std::filesystem::path> backup_path; // default: the store's default_backup_path
    std::function<void(std::string_view)> progress;   // one line per step, for stderr
    // Called once the write is read back and verified (with the backup's path), before anything
    // that may still fail (leave, the caller's output), so a later failure can say so.
    std::function<void(const std::filesystem::path& backup)> verified;
};

struct ChangedRange {
    std::uint32_t offset;
    std::uint32_t length;
};

struct WriteOutcome {
    bool already_current = false; // the store already holds exactly these bytes: nothing written
    bool dry_run = false;
    bool written = false;
    bool verified = false;
    bool left = false;
    std::optional<std::filesystem::path> backup;
    std::uint32_t write_offset = 0; // the single write that was (or would be) made
    std::uint32_t write_length = 0;
    std::vector<ChangedRange> changed; // bytes that differ between before and after
    Bytes before;                      // the whole window before
    Bytes after;                       // the whole window as it is (or would be) after
};

// Error(DeviceDataInvalid) when `window` reads as all zeros: the bootloader cannot reach the DCT
// (docs/dct-format.md 7.5), so a write would fail. write_regions checks it; callers that must do
// something irreversible before writing (new-device-key saves key files) check it first.
void require_readable_dct(const DctStore& store, const Bytes& window);

// `window` with `regions` written over it: what the store holds after write_regions writes them.
// A region outside the window is Error(Internal) (write_regions refuses one first, in words).
Bytes apply_regions(const Bytes& window, const std::vector<Region>& regions);

// Applies `regions` to `store`, whose current window is `window` (already read by the caller).
// All regions go out in ONE write: the span from the first to the last region, with the current
// bytes in between. Refuses (Error(Refused)) anything at or past the end of application_dct_t
// (8391): on a Photon that is Wi-Fi system data. Refuses (Error(DeviceDataInvalid)) a window that
// reads as all zeros (the bootloader cannot reach the DCT). On a failed write the error names the
// backup.
WriteOutcome write_regions(DctStore& store, const Bytes& window, const std::vector<Region>& regions,
                           const WriteOptions& options);

} // namespace photon_dct::ops
