// Finding Particle units on USB, choosing one, and the DctStore on its DFU alt "DCT Flash".
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dfu/session.hpp"
#include "photon_dct/ops/progress.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/usb/usb.hpp"

namespace photon_dct::ops {

// Every Particle Photon, P1 and Electron on USB, in DFU or normal mode.
std::vector<usb::UsbDevice> list_devices(usb::UsbContext& context,
                                         usb::UsbContext::AltNames names = usb::UsbContext::AltNames::Skip);
// The `list` use-case: list_devices on a context of its own, with every alt's name.
std::vector<usb::UsbDevice> list_units();

struct DeviceSelector {
    std::optional<std::string> device_id; // --device, either case
    std::optional<std::string> path;      // --path BUS-PORT[.PORT...]
};

// --wait [SECONDS]: when no unit matches, wait for one to appear instead of failing.
struct WaitOptions {
    bool enabled = false;
    std::optional<std::chrono::milliseconds> timeout; // nullopt: until a unit appears or a signal
    // Enumerate again at least this often: hotplug events wake the wait sooner where libusb
    // delivers them (under umockdev it may not).
    std::chrono::milliseconds poll_interval{250};
    std::function<void(std::string_view)> notice; // said once when the wait begins
};

inline constexpr const char* kWaitNotice = "waiting for a Photon, P1 or Electron on USB (Ctrl-C to stop)";

// list_devices, once at least one unit matches `selector` (in DFU or normal mode). Without
// wait.enabled the first enumeration, whatever it found. Error(NoDevice) when wait.timeout passes
// with none; a SIGINT/SIGTERM ends the wait (Error Interrupted/Terminated).
std::vector<usb::UsbDevice> list_devices_waiting(usb::UsbContext& context, const DeviceSelector& selector,
                                                 const WaitOptions& wait);

// Exactly one unit in DFU mode, or Error: NoDevice, AmbiguousDevice (listing them),
// DeviceNotInDfuMode (how to enter DFU mode), UsbAccess (the access problem). With
// `accept_normal_mode`, when no matching unit is in DFU mode, exactly one matching unit in normal
// mode is chosen instead (the caller switches it into DFU mode).
const usb::UsbDevice& select_device(const std::vector<usb::UsbDevice>& devices, const DeviceSelector& selector,
                                    bool accept_normal_mode = false);

// The units `photon-dct dfu` switches: every matching unit (--all), else exactly one, in either
// mode (a unit already in DFU mode is left as it is). Error(NoDevice) / Error(AmbiguousDevice).
std::vector<const usb::UsbDevice*> select_units(const std::vector<usb::UsbDevice>& devices,
                                                const DeviceSelector& selector, bool all);

// How to put these units into DFU mode by hand, for messages: their platform's buttons
// (quirks::dfu_mode_advice), both buttons when the platforms differ or no unit is given.
std::string enter_dfu_by_hand_hint(const std::vector<const usb::UsbDevice*>& units = {});

class DeviceStore final : public DctStore {
public:
    // `observer` hears how far a read or write of the window is (ops/progress.hpp).
    DeviceStore(usb::UsbContext& context, usb::UsbDevice device, std::filesystem::path backup_dir,
                dfu::SessionOptions options = {}, ProgressObserver observer = {});
    ~DeviceStore() override;

    const dct::Platform& platform() const override { return *device_.platform; }
    std::string description() const override;
    std::vector<dct::CommandArgument> selector_arguments() const override;
    Bytes read_window() override;
    Bytes read_window_early(const WindowReady& ready) override;
    void write(std::uint32_t offset, ByteView bytes) override;
    void prepare_write(std::uint32_t offset) override;
    std::filesystem::path default_backup_path(const Bytes& window) const override;
    bool leave() override;
    std::optional<std::string> usb_device_id() const override { return device_.device_id; }
    const usb::UsbDevice* usb_device() const override { return &device_; }
    std::vector<std::string> alt_names() override;

private:
    usb::UsbDevice device_;
    std::filesystem::path backup_dir_;
    std::unique_ptr<dfu::ControlTransport> transport_;
    std::unique_ptr<dfu::DfuseSession> session_;
    ProgressObserver observer_;
};

} // namespace photon_dct::ops
