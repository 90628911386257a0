// Where DCT bytes come from and go to: a device in DFU mode or an image file. Every use-case is
// written once against DctStore, so `--file` and a live unit run the same code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/usb/unit.hpp"

namespace photon_dct::ops {

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
    // One write of `bytes` at `offset` (a single DFU download on a device).
    virtual void write(std::uint32_t offset, ByteView bytes) = 0;
    // Where a backup of this store's window goes when the user named no file.
    virtual std::filesystem::path default_backup_path(const Bytes& window) const = 0;
    // Resets a device into its firmware and returns true; a file has nothing to leave: false.
    virtual bool leave() { return false; }
    // Device ID from the USB serial, when the store is a device that reports one.
    virtual std::optional<std::string> usb_device_id() const { return std::nullopt; }
    // The unit on USB; null for an image file.
    virtual const usb::UsbDevice* usb_device() const { return nullptr; }
};

class FileStore final : public DctStore {
public:
    // Does not touch the file yet.
    FileStore(std::filesystem::path path, const dct::Platform& platform);

    const dct::Platform& platform() const override { return platform_; }
    std::string description() const override;
    std::vector<dct::CommandArgument> selector_arguments() const override;
    Bytes read_window() override;
    // Rewrites the image through a temporary file and a rename, so a failure leaves it intact.
    void write(std::uint32_t offset, ByteView bytes) override;
    std::filesystem::path default_backup_path(const Bytes& window) const override;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    const dct::Platform& platform_;
};

// Reads a whole file; Error(FileIo) with the reason and a hint when it cannot.
Bytes read_file(const std::filesystem::path& path, std::string_view what);
// Creates `path` (never replacing an existing file: Error(FileIo)) with `mode`, writes `bytes`
// and syncs it. Used for backups and exported keys.
void write_new_file(const std::filesystem::path& path, ByteView bytes, std::filesystem::perms mode);
// `stem` + "-YYYYMMDDTHHMMSSZ" + `suffix` in `dir`, with "-2", "-3" … added if that exists.
std::filesystem::path unique_timestamped_path(const std::filesystem::path& dir, const std::string& stem,
                                              const std::string& suffix);

} // namespace photon_dct::ops
