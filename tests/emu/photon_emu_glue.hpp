// Internal: the umockdev glue of photon_emu shared by photon_emu.cpp (testbed, units, timed bus
// events) and photon_emu_usbfs.cpp (the usbdevfs ioctls). Everything here runs on umockdev's
// worker thread unless a comment says otherwise; the device model has its own mutex.
#pragma once

#include "photon_emu.hpp"
#include "photon_emu_model.hpp"

#include <umockdev.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <thread>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace photon_emu::glue {

using detail::DeviceModel;

// Timed bus events (a unit arriving, leaving the bus after its firmware's delay, enumerating
// again, being unplugged) run on one thread of their own, in time order. Nothing here runs on
// umockdev's worker thread, whose main context is not reachable before a client connects.
class Scheduler {
public:
    Scheduler();
    ~Scheduler(); // stop() if not yet
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;
    void after(unsigned ms, std::function<void()> fn); // from any thread, a callback included
    void stop();                                       // drops what has not run; waits for a running one

private:
    void run();
    std::mutex mu_;
    std::condition_variable cv_;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

// What every unit on the emulated bus shares.
struct Bus {
    UMockdevTestbed* testbed = nullptr;
    std::string root;
    std::string hub_syspath;
    std::mutex mu; // testbed changes after construction (umockdev worker vs scheduler) and next_devnum
    unsigned next_devnum = 2;
    Scheduler scheduler;
};

struct Slot {
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
    // Guarded by `mu` (the scheduler rebinds them when the unit enumerates again).
    std::set<unsigned> driver_bound;
    std::set<unsigned> cdc_interfaces; // where cdc_acm binds in the current mode
    void bind_drivers() {
        std::lock_guard lk(mu);
        cdc_interfaces.clear();
        if (!model->dfu_mode() && model->config().usb_serial) cdc_interfaces = {0, 1};
        driver_bound = cdc_interfaces;
    }
    bool driver_holds(unsigned interface) const {
        std::lock_guard lk(mu);
        return driver_bound.count(interface) != 0;
    }
    bool detach_driver(unsigned interface) {
        std::lock_guard lk(mu);
        return driver_bound.erase(interface) != 0;
    }
    void reattach_driver(unsigned interface) {
        std::lock_guard lk(mu);
        if (cdc_interfaces.count(interface) != 0) driver_bound.insert(interface);
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
    // `removed` turns true once the sysfs entry is gone (a test that sees it may look at sysfs).
    void remove_from_bus() {
        std::lock_guard bus_lock(owner->mu);
        if (removed.load()) return;
        std::string sp;
        {
            std::lock_guard lk(mu);
            sp = syspath;
        }
        umockdev_testbed_uevent(owner->testbed, sp.c_str(), "remove");
        umockdev_testbed_remove_device(owner->testbed, sp.c_str());
        removed = true;
    }
    void vanish() {
        model->mark_gone();
        remove_from_bus();
    }
    // The same for a unit that resets after DFU leave: gone for every request from now on, removed
    // from the testbed on the scheduler thread. The removal (sysfs tree, uevent) takes tens of ms,
    // and umockdev answers every unit on the bus from one worker thread: done there, it held up
    // the transfers of all other units on a bench (tests/perf/RESULTS.md).
    void vanish_soon() {
        model->mark_gone();
        owner->scheduler.after(0, [this] { remove_from_bus(); });
    }
    // Puts the unit on the bus as its model presents itself now, at a new address.
    void attach();
    void enumerate_in_dfu_mode();
    void after_response(const detail::Response& r);
    void after_leave(); // --unplug-after-leave: back in normal mode, then unplugged
};

gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer slot);
gboolean on_read(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer slot);
gboolean on_write(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer slot);

} // namespace photon_emu::glue
