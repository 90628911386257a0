// Where DCT bytes come from and go to: a device in DFU mode or an image file. Every use-case is
// written once against DctStore, so `--file` and a live unit run the same code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/ops/file_io.hpp"
#include "photon_dct/usb/unit.hpp"

namespace photon_dct::ops {

// Hears a store's whole window as soon as it is read (DctStore::read_window_early).
using WindowReady = std::function<void(const Bytes& window)>;

class DctStore {
public:
    virtual ~DctStore() = default;

    virtual const dct::Platform& platform() const = 0;
    // "image unit.dct" / "Photon 3a0036000247363333343435 at usb 1-1", for messages.
    virtual std::string description() const = 0;
    // The arguments that select this store again (e.g. file unit.dct), for fix commands.
    virtual std::vector<dct::CommandArgument> selector_arguments() const = 0;
    // The whole window: the image file, or the 16 KiB DFU window of alt 1.
    virtual Bytes read_window() = 0;
    // read_window, where `ready` hears the window as soon as it is in: on a unit, before the
    // request that returns the unit to dfuIDLE, so that work on the bytes overlaps that round
    // trip (issue 9: host time); more than once if the read has to start over. A store without
    // such a round trip (an image file) does not call it.
    virtual Bytes read_window_early(const WindowReady& /*ready*/) { return read_window(); }
    // One write of `bytes` at `offset` (a single DFU download on a device).
    virtual void write(std::uint32_t offset, ByteView bytes) = 0;
    // Readies a write at `offset` that comes next (a unit: its set-address command), so host work
    // can overlap the unit's; nothing is written. Files need nothing.
    virtual void prepare_write(std::uint32_t /*offset*/) {}
    // Where a backup of this store's window goes when the user named no file.
    virtual std::filesystem::path default_backup_path(const Bytes& window) const = 0;
    // Resets a device into its firmware and returns true; a file has nothing to leave: false.
    virtual bool leave() { return false; }
    // Device ID from the USB serial, when the store is a device that reports one.
    virtual std::optional<std::string> usb_device_id() const { return std::nullopt; }
    // The unit on USB; null for an image file.
    virtual const usb::UsbDevice* usb_device() const { return nullptr; }
    // The names of the unit's DFU alt settings, read as needed (a command itself reads only the
    // DCT alt's); none for an image file.
    virtual std::vector<std::string> alt_names() { return {}; }
};

class FileStore final : public DctStore {
public:
    // Does not touch the file yet.
    FileStore(std::filesystem::path path, const dct::Platform& platform);

    const dct::Platform& platform() const override { return platform_; }
    std::string description() const override;
    std::vector<dct::CommandArgument> selector_arguments() const override;
    // The first read takes an exclusive lock on the image (kImageLockWait, then Error(Busy)) and
    // keeps it for the store's life, so a read-modify-write is never interleaved with another run's.
    // Only a regular file of 4258..16384 bytes is read (dct_image_rule).
    Bytes read_window() override;
    // Rewrites the image (the target of a symlink) through replace_file, so a failure leaves it
    // intact and the lock moves to the new file.
    void write(std::uint32_t offset, ByteView bytes) override;
    std::filesystem::path default_backup_path(const Bytes& window) const override;

    const std::filesystem::path& path() const { return path_; }

private:
    std::string what() const;

    std::filesystem::path path_;
    const dct::Platform& platform_;
    Fd locked_; // the image as first read (or as last written), flock-ed
};

} // namespace photon_dct::ops
