// Internal: the sysfs side of photon_emu's testbed (root hub, one USB device per unit and
// enumeration), what libusb's udev/sysfs enumeration reads under umockdev
// (docs/dfu-protocol.md §6.2, §6.3).
#pragma once

#include <umockdev.h>

#include <string>

namespace photon_emu::detail {

class DeviceModel;

// Adds the root hub usb1 (bus 1, devnum 1) and its node; returns its syspath. Throws.
std::string add_root_hub(UMockdevTestbed* testbed, const std::string& root);

// "/dev/bus/usb/001/NNN"
std::string usb_devnode(unsigned devnum);

// Adds the unit at port `port` (name "1-PORT") with address `devnum`, as the model presents
// itself now (DFU or normal mode), and creates its empty device node. Returns the syspath. Throws.
std::string add_unit_device(UMockdevTestbed* testbed, const std::string& root, const std::string& hub_syspath,
                            unsigned port, unsigned devnum, const DeviceModel& model);

} // namespace photon_emu::detail
