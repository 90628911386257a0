// umockdev glue of photon_emu: a testbed with a root hub and emulated Particle units whose
// usbdevfs nodes are served by a UMockdevIoctlBase (photon_emu_usbfs.cpp), and the timed bus
// events: a unit arriving late, resetting into DFU mode, leaving it, being unplugged.
#include "photon_emu_glue.hpp"
#include "photon_emu_sysfs.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace photon_emu {

using namespace glue;

struct Emulator::Impl {
    Bus bus;
    std::vector<std::unique_ptr<Slot>> slots;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    // Also runs when the Emulator constructor throws half-way.
    ~Impl() {
        bus.scheduler.stop(); // no bus event may run while the units go
        for (auto& slot : slots) {
            if (slot->handler == nullptr) continue;
            g_signal_handlers_disconnect_by_data(slot->handler, slot.get());
            umockdev_testbed_detach_ioctl(bus.testbed, slot->devnode.c_str(), nullptr);
            g_object_unref(slot->handler);
            slot->handler = nullptr;
        }
        if (bus.testbed != nullptr) g_object_unref(bus.testbed); // removes the testbed directory
        const char* dir = std::getenv("UMOCKDEV_DIR");
        if (dir != nullptr && !bus.root.empty() && bus.root == dir) g_unsetenv("UMOCKDEV_DIR");
    }
};

Scheduler::Scheduler() : thread_([this] { run(); }) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::after(unsigned ms, std::function<void()> fn) {
    {
        std::lock_guard lk(mu_);
        if (stopping_) return;
        queue_.emplace(std::chrono::steady_clock::now() + std::chrono::milliseconds(ms), std::move(fn));
    }
    cv_.notify_all();
}

void Scheduler::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
        queue_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Scheduler::run() {
    std::unique_lock lk(mu_);
    while (!stopping_) {
        if (queue_.empty()) {
            cv_.wait(lk);
            continue;
        }
        const auto due = queue_.begin()->first;
        if (std::chrono::steady_clock::now() < due) {
            cv_.wait_until(lk, due);
            continue;
        }
        auto fn = std::move(queue_.begin()->second);
        queue_.erase(queue_.begin());
        lk.unlock();
        fn();
        lk.lock();
    }
}

// The ioctl handler is on the new node before sysfs shows the unit, so a client that finds it
// can use it at once.
void Slot::attach() {
    std::lock_guard bus_lock(owner->mu);
    const unsigned devnum = owner->next_devnum++;
    const std::string node = detail::usb_devnode(devnum);
    {
        std::lock_guard lk(mu);
        devnode = node;
    }
    GError* err = nullptr;
    if (!umockdev_testbed_attach_ioctl(owner->testbed, node.c_str(), handler, &err)) {
        const std::string msg = err ? err->message : "unknown error";
        if (err) g_error_free(err);
        throw std::runtime_error("photon_emu: cannot attach ioctl handler to " + node + ": " + msg);
    }
    bind_drivers();
    const std::string sp =
        detail::add_unit_device(owner->testbed, owner->root, owner->hub_syspath, port, devnum, *model);
    {
        std::lock_guard lk(mu);
        syspath = sp;
    }
    removed = false;
    umockdev_testbed_uevent(owner->testbed, sp.c_str(), "add");
}

// The bootloader enumerates at the same port with a new address (docs/enter-dfu.md §4).
void Slot::enumerate_in_dfu_mode() {
    model->reenumerate_in_dfu_mode();
    attach();
}

// A request that made the firmware reset into DFU mode: leave the bus (now, or after the
// firmware's delay), then come back in DFU mode after the configured re-enumeration time.
void Slot::after_response(const detail::Response& r) {
    const unsigned back = model->config().reenumerate_ms;
    const bool comes_back = !model->config().never_reenumerate;
    auto leave = [this, back, comes_back] {
        model->leave_bus();
        remove_from_bus();
        if (comes_back) owner->scheduler.after(back, [this] { enumerate_in_dfu_mode(); });
    };
    if (model->gone())
        leave();
    else
        owner->scheduler.after(r.reset_delay_ms, leave);
}

// After DFU leave the unit resets into its firmware. With --unplug-after-leave it enumerates in
// normal mode (after the re-enumeration time, if that comes first) and is unplugged MS after the
// leave; otherwise it just leaves the bus.
void Slot::after_leave() {
    vanish_soon();
    const auto unplug = model->config().unplug_after_leave_ms;
    if (!unplug) return;
    const unsigned back = model->config().reenumerate_ms;
    if (back < *unplug)
        owner->scheduler.after(back, [this] {
            model->reenumerate_in_normal_mode();
            attach();
        });
    owner->scheduler.after(*unplug, [this] {
        model->unplug();
        remove_from_bus();
    });
}

Emulator::Emulator(std::vector<DeviceConfig> devices) : impl_(std::make_unique<Impl>()) {
    if (devices.empty()) throw std::invalid_argument("photon_emu::Emulator: no devices");
    if (devices.size() > 100) throw std::invalid_argument("photon_emu::Emulator: too many devices");
    Bus& bus = impl_->bus;
    bus.testbed = umockdev_testbed_new();
    if (bus.testbed == nullptr) throw std::runtime_error("photon_emu: umockdev_testbed_new failed");
    gchar* root = umockdev_testbed_get_root_dir(bus.testbed);
    bus.root = root;
    g_free(root);
    bus.hub_syspath = detail::add_root_hub(bus.testbed, bus.root);

    for (std::size_t i = 0; i < devices.size(); ++i) {
        auto slot = std::make_unique<Slot>();
        slot->owner = &bus;
        slot->port = static_cast<unsigned>(i) + 1;
        slot->model = std::make_unique<DeviceModel>(std::move(devices[i]), static_cast<unsigned>(i));
        slot->removed = true; // until attach()
        Slot& sl = *slot;
        impl_->slots.push_back(std::move(slot));
        sl.handler = umockdev_ioctl_base_new();
        g_signal_connect(sl.handler, "handle-ioctl", G_CALLBACK(on_ioctl), &sl);
        g_signal_connect(sl.handler, "handle-read", G_CALLBACK(on_read), &sl);
        g_signal_connect(sl.handler, "handle-write", G_CALLBACK(on_write), &sl);
        const unsigned arrive = sl.model->config().arrive_after_ms;
        if (arrive == 0)
            sl.attach();
        else
            bus.scheduler.after(arrive, [&sl] { sl.attach(); });
    }
}
Emulator::~Emulator() = default;

std::size_t Emulator::device_count() const { return impl_->slots.size(); }

std::vector<std::uint8_t> Emulator::dct(std::size_t device) const { return impl_->slots.at(device)->model->dct(); }

std::vector<std::uint8_t> Emulator::flash(std::size_t device) const { return impl_->slots.at(device)->model->flash(); }

std::vector<TranscriptEntry> Emulator::transcript(std::size_t device) const {
    return impl_->slots.at(device)->model->transcript();
}

bool Emulator::disconnected(std::size_t device) const { return impl_->slots.at(device)->model->gone(); }

std::string Emulator::umockdev_dir() const { return impl_->bus.root; }

std::string Emulator::devnode(std::size_t device) const { return impl_->slots.at(device)->current_devnode(); }

std::string Emulator::serial(std::size_t device) const { return impl_->slots.at(device)->model->usb_serial(); }

bool Emulator::dfu_mode(std::size_t device) const { return impl_->slots.at(device)->model->dfu_mode(); }

bool Emulator::attached(std::size_t device) const { return !impl_->slots.at(device)->removed.load(); }

void Emulator::write_transcript_jsonl(const std::filesystem::path& path) const {
    std::ofstream f(path, std::ios::trunc);
    if (!f) throw std::runtime_error("photon_emu: cannot write " + path.string());
    for (std::size_t d = 0; d < impl_->slots.size(); ++d) {
        for (const auto& e : transcript(d)) f << transcript_entry_json(d, e) << '\n';
    }
    if (!f) throw std::runtime_error("photon_emu: error writing " + path.string());
}

} // namespace photon_emu
