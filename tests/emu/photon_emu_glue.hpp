// Internal: the umockdev glue of photon_emu shared by photon_emu.cpp (testbed, units, timed bus
// events) and photon_emu_usbfs.cpp (the usbdevfs ioctls). Everything here runs on umockdev's
// worker thread unless a comment says otherwise; the device model has its own mutex.
#pragma once

#include "photon_emu.hpp"
#include "photon_emu_model.hpp"

#include <umockdev.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace photon_emu::glue {

using detail::DeviceModel;

// Timed bus events (a unit leaving the bus after its firmware's delay, enumerating again) run as
// GLib timeouts on umockdev's worker thread, where every usbfs handler runs too; `stopped` keeps
// a timeout that fires while the Emulator is being destroyed from touching it.
struct Timers {
    std::recursive_mutex mu; // a timer's function may schedule the next one
    bool stopped = false;
    std::vector<GSource*> sources;
};

// What every unit on the emulated bus shares.
struct Bus {
    std::string root;
    std::string hub_syspath;
    unsigned next_devnum = 2;
    std::shared_ptr<Timers> timers = std::make_shared<Timers>();

    void schedule(unsigned ms, std::function<void()> fn);
};

struct Slot {
    UMockdevTestbed* testbed = nullptr;
    Bus* owner = nullptr;
    unsigned port = 0; // 1-PORT: the same across re-enumeration
    std::unique_ptr<DeviceModel> model;
    mutable std::mutex mu; // syspath and devnode (the main thread reads devnode)
    std::string syspath;
    std::string devnode;
    UMockdevIoctlBase* handler = nullptr;
    std::atomic<bool> removed{false};
    // Interfaces a kernel driver holds: cdc_acm binds the CDC interfaces of a unit in normal
    // mode (docs/enter-dfu.md §3); usbfs refuses requests to them until they are detached.
    std::set<unsigned> driver_bound;
    std::set<unsigned> cdc_interfaces; // where cdc_acm binds in the current mode
    void bind_drivers() {
        cdc_interfaces.clear();
        if (!model->dfu_mode() && model->config().usb_serial) cdc_interfaces = {0, 1};
        driver_bound = cdc_interfaces;
    }

    std::string current_devnode() const {
        std::lock_guard lk(mu);
        return devnode;
    }
    // An fd opened on an earlier address of this unit (before it re-enumerated) is dead.
    bool stale(UMockdevIoctlClient* client) const {
        const gchar* node = umockdev_ioctl_client_get_devnode(client);
        return node != nullptr && current_devnode() != node;
    }
    void remove_from_bus() {
        if (removed.exchange(true)) return;
        std::string sp;
        {
            std::lock_guard lk(mu);
            sp = syspath;
        }
        umockdev_testbed_uevent(testbed, sp.c_str(), "remove");
        umockdev_testbed_remove_device(testbed, sp.c_str());
    }
    void vanish() {
        model->mark_gone();
        remove_from_bus();
    }
    void enumerate_in_dfu_mode();
    void after_response(const detail::Response& r);
};

gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer slot);
gboolean on_read(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer slot);
gboolean on_write(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer slot);

} // namespace photon_emu::glue
