// umockdev glue of photon_emu: a testbed with a root hub and emulated Particle units whose
// usbdevfs nodes are served by a UMockdevIoctlBase (photon_emu_usbfs.cpp), and the timed bus
// events of a unit that resets into DFU mode.
#include "photon_emu_glue.hpp"
#include "photon_emu_sysfs.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace photon_emu {

using namespace glue;

struct Emulator::Impl {
    UMockdevTestbed* testbed = nullptr;
    Bus bus;
    std::vector<std::unique_ptr<Slot>> slots;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    // Also runs when the Emulator constructor throws half-way.
    ~Impl() {
        {
            std::lock_guard lk(bus.timers->mu);
            bus.timers->stopped = true;
            for (GSource* src : bus.timers->sources) {
                g_source_destroy(src);
                g_source_unref(src);
            }
            bus.timers->sources.clear();
        }
        for (auto& slot : slots) {
            if (slot->handler == nullptr) continue;
            g_signal_handlers_disconnect_by_data(slot->handler, slot.get());
            umockdev_testbed_detach_ioctl(testbed, slot->devnode.c_str(), nullptr);
            g_object_unref(slot->handler);
            slot->handler = nullptr;
        }
        if (testbed != nullptr) g_object_unref(testbed); // removes the testbed directory
        const char* dir = std::getenv("UMOCKDEV_DIR");
        if (dir != nullptr && !bus.root.empty() && bus.root == dir) g_unsetenv("UMOCKDEV_DIR");
    }
};

namespace {

struct TimerCall {
    std::shared_ptr<Timers> timers;
    std::function<void()> fn;
};

gboolean run_timer(gpointer data) {
    auto* call = static_cast<TimerCall*>(data);
    std::lock_guard lk(call->timers->mu);
    if (!call->timers->stopped) call->fn();
    return G_SOURCE_REMOVE;
}

} // namespace

// Called on the worker thread (from a handler or a timer), whose thread-default context it uses.
void Bus::schedule(unsigned ms, std::function<void()> fn) {
    GSource* src = g_timeout_source_new(ms);
    auto* call = new TimerCall{timers, std::move(fn)};
    g_source_set_callback(src, run_timer, call, [](gpointer p) { delete static_cast<TimerCall*>(p); });
    {
        std::lock_guard lk(timers->mu);
        timers->sources.push_back(src); // reference kept until ~Impl
    }
    g_source_attach(src, g_main_context_get_thread_default());
}

// The bootloader enumerates at the same port with a new address (docs/enter-dfu.md §4).
void Slot::enumerate_in_dfu_mode() {
    model->reenumerate_in_dfu_mode();
    const unsigned devnum = owner->next_devnum++;
    const std::string node = detail::usb_devnode(devnum);
    const std::string sp = detail::add_unit_device(testbed, owner->root, owner->hub_syspath, port, devnum, *model);
    {
        std::lock_guard lk(mu);
        syspath = sp;
        devnode = node;
    }
    GError* err = nullptr;
    if (!umockdev_testbed_attach_ioctl(testbed, node.c_str(), handler, &err)) {
        std::fprintf(stderr, "photon_emu: cannot attach %s: %s\n", node.c_str(), err ? err->message : "?");
        if (err) g_error_free(err);
        return;
    }
    bind_drivers();
    removed = false;
    umockdev_testbed_uevent(testbed, sp.c_str(), "add");
}

// A request that made the firmware reset into DFU mode: leave the bus (now, or after the
// firmware's delay), then come back in DFU mode after the configured re-enumeration time.
void Slot::after_response(const detail::Response& r) {
    if (!r.enter_dfu) return;
    const unsigned back = model->config().reenumerate_ms;
    const bool comes_back = !model->config().never_reenumerate;
    auto leave = [this, back, comes_back] {
        model->leave_bus_for_dfu();
        remove_from_bus();
        if (comes_back) owner->schedule(back, [this] { enumerate_in_dfu_mode(); });
    };
    if (model->gone())
        leave();
    else
        owner->schedule(r.reset_delay_ms, leave);
}

Emulator::Emulator(std::vector<DeviceConfig> devices) : impl_(std::make_unique<Impl>()) {
    if (devices.empty()) throw std::invalid_argument("photon_emu::Emulator: no devices");
    if (devices.size() > 100) throw std::invalid_argument("photon_emu::Emulator: too many devices");
    impl_->testbed = umockdev_testbed_new();
    if (impl_->testbed == nullptr) throw std::runtime_error("photon_emu: umockdev_testbed_new failed");
    gchar* root = umockdev_testbed_get_root_dir(impl_->testbed);
    impl_->bus.root = root;
    g_free(root);
    UMockdevTestbed* tb = impl_->testbed;
    impl_->bus.hub_syspath = detail::add_root_hub(tb, impl_->bus.root);

    for (std::size_t i = 0; i < devices.size(); ++i) {
        auto slot = std::make_unique<Slot>();
        slot->testbed = tb;
        slot->owner = &impl_->bus;
        slot->port = static_cast<unsigned>(i) + 1;
        slot->model = std::make_unique<DeviceModel>(std::move(devices[i]), static_cast<unsigned>(i));
        const unsigned devnum = impl_->bus.next_devnum++;
        slot->devnode = detail::usb_devnode(devnum);
        slot->syspath =
            detail::add_unit_device(tb, impl_->bus.root, impl_->bus.hub_syspath, slot->port, devnum, *slot->model);

        slot->bind_drivers();
        Slot& sl = *slot;
        impl_->slots.push_back(std::move(slot));
        sl.handler = umockdev_ioctl_base_new();
        g_signal_connect(sl.handler, "handle-ioctl", G_CALLBACK(on_ioctl), &sl);
        g_signal_connect(sl.handler, "handle-read", G_CALLBACK(on_read), &sl);
        g_signal_connect(sl.handler, "handle-write", G_CALLBACK(on_write), &sl);
        GError* err = nullptr;
        if (!umockdev_testbed_attach_ioctl(tb, sl.devnode.c_str(), sl.handler, &err)) {
            std::string msg = err ? err->message : "unknown error";
            if (err) g_error_free(err);
            throw std::runtime_error("photon_emu: cannot attach ioctl handler to " + sl.devnode + ": " + msg);
        }
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

void Emulator::write_transcript_jsonl(const std::filesystem::path& path) const {
    std::ofstream f(path, std::ios::trunc);
    if (!f) throw std::runtime_error("photon_emu: cannot write " + path.string());
    for (std::size_t d = 0; d < impl_->slots.size(); ++d) {
        for (const auto& e : transcript(d)) f << transcript_entry_json(d, e) << '\n';
    }
    if (!f) throw std::runtime_error("photon_emu: error writing " + path.string());
}

} // namespace photon_emu
