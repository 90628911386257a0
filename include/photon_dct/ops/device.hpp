// Finding Particle units on USB, choosing one, and the DctStore on its DFU alt "DCT Flash".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dfu/session.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/usb/usb.hpp"

namespace photon_dct::ops {

struct DeviceEntry {
    const dct::Platform* platform = nullptr;
    bool dfu_mode = false;
    std::optional<std::string> device_id; // 24 lower-case hex from the USB serial, when it holds one
    usb::UsbDeviceInfo usb;
};

// Every Particle Photon, P1 and Electron on USB, in DFU or normal mode.
std::vector<DeviceEntry> list_devices(usb::UsbContext& context);
// The `list` use-case: list_devices on a context of its own.
std::vector<DeviceEntry> list_units();

// The first run of 24 hex digits in a USB serial, lower-cased (bootloaders before 0.6.0 report
// "00000000010C" for every unit: no device ID).
std::optional<std::string> device_id_from_serial(std::string_view serial);

struct DeviceSelector {
    std::optional<std::string> device_id; // --device, either case
    std::optional<std::string> path;      // --path BUS-PORT[.PORT...]
};

// Exactly one unit in DFU mode, or Error: NoDevice, AmbiguousDevice (listing them),
// DeviceNotInDfuMode (how to enter DFU mode), UsbAccess (the access problem).
const DeviceEntry& select_device(const std::vector<DeviceEntry>& devices, const DeviceSelector& selector);

struct UsbStats {
    unsigned control_transfers = 0;
    unsigned data_downloads = 0;
    unsigned uploads = 0;
};

class DeviceStore final : public DctStore {
public:
    DeviceStore(usb::UsbContext& context, DeviceEntry device, std::filesystem::path backup_dir,
                dfu::SessionOptions options = {});
    ~DeviceStore() override;

    const dct::Platform& platform() const override { return *device_.platform; }
    std::string description() const override;
    std::string selector_args() const override;
    Bytes read_window() override;
    void write(std::uint32_t offset, ByteView bytes) override;
    std::filesystem::path default_backup_path(const Bytes& window) const override;
    bool leave() override;
    std::optional<std::string> usb_device_id() const override { return device_.device_id; }
    std::optional<UsbIdentity> usb_identity() const override;

    const DeviceEntry& device() const { return device_; }
    UsbStats stats() const;

private:
    DeviceEntry device_;
    std::filesystem::path backup_dir_;
    std::unique_ptr<dfu::ControlTransport> transport_;
    std::unique_ptr<dfu::DfuseSession> session_;
};

} // namespace photon_dct::ops
