// What a command works on: `--file IMG` or a unit selected on USB. A use-case entry checks what
// the user gave, then acquires its Target; every refusal that needs no DCT bytes comes before the
// first read of the window.
#pragma once

#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "photon_dct/dfu/session.hpp"
#include "photon_dct/ops/device.hpp"
#include "photon_dct/ops/enter_dfu.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/ops/write.hpp"

namespace photon_dct::ops {

struct TargetRequest {
    std::optional<std::filesystem::path> file;
    std::optional<std::string> platform; // --platform; files default to photon, devices report theirs
    DeviceSelector selector;
    std::filesystem::path backup_dir = "."; // where device backups go
    dfu::SessionOptions session;            // trace hook, timeouts
    EnterDfuOptions enter_dfu;              // a unit in normal mode is switched into DFU mode first
    WaitOptions wait;                       // --wait: no unit yet, wait for one
    std::function<void(const ModeChange&)> on_mode_change;
    ProgressObserver observer; // how far a unit's DCT is read or written (a --file image reports nothing)
    std::function<void(const UnitInfo&)> on_acquired; // the unit or image once it is open
};

// The platform named by --platform, or Error(InvalidInput) listing the valid names.
const dct::Platform& platform_by_name(std::string_view name);

using ProgressFn = std::function<void(std::string_view)>;

class Target {
public:
    // Opened by acquire(). Checks the request itself (--file with --device/--path, an unknown
    // --platform) before anything is opened.
    explicit Target(TargetRequest request, ProgressFn progress = {});
    // A store the caller has opened and owns (tests, a station that already holds the unit).
    explicit Target(DctStore& store, ProgressFn progress = {});
    ~Target();
    Target(const Target&) = delete;
    Target& operator=(const Target&) = delete;

    // The platform before acquire(): a --file image's, an open store's; nullptr for a unit on USB
    // that is not selected yet (it reports its own).
    const dct::Platform* known_platform() const;
    // Runs `check` (the command's own input check, which needs no unit) while the unit on USB is
    // listed and picked on this thread; neither opens nor switches a unit. The check's error comes
    // first, so a refused input is reported before "no unit found" and before any unit is touched.
    // With --file, an open store, or --wait (a bad input must not wait for a unit to be plugged
    // in before it is reported), `check` runs alone and the unit is picked by acquire().
    void select_while(const std::function<void()>& check);
    // For a command about to write to a unit on USB: Error(FileIo) unless --backup-dir is a
    // directory the backup can be created in. Checked before the unit is opened, so a mistyped or
    // read-only directory costs no read and leaves the unit untouched (the backup itself is saved
    // right before the write). Nothing to check for a dry run, an explicit backup path, or --file.
    void require_backup_dir(const WriteOptions& write) const;
    // Opens the target once (a FileStore for --file, else the one unit select_device picks, on
    // its DCT alt; a unit in normal mode is put into DFU mode first, enter_dfu_mode, unless
    // enter_dfu.enabled is off); later calls return the same store.
    DctStore& acquire();
    // acquire(), then the whole window (announced on the progress hook); `ready`, when given,
    // hears it early (DctStore::read_window_early).
    Bytes read_window(const WindowReady& ready = nullptr);

private:
    void select(); // lists the units and picks one (selected_); a no-op once picked

    std::optional<TargetRequest> request_;
    std::optional<usb::UsbContext> context_;
    std::optional<usb::UsbDevice> selected_;
    const dct::Platform* file_platform_ = nullptr;
    std::unique_ptr<DctStore> owned_;
    DctStore* store_ = nullptr;
    ProgressFn progress_;
    std::future<void> known_keys_; // dct::load_known_keys, on its own thread while a unit is picked and read
};

} // namespace photon_dct::ops
