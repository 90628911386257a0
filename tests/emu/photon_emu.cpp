// umockdev glue of photon_emu: a testbed with a root hub and emulated Particle devices whose
// usbdevfs nodes are served by a UMockdevIoctlBase (handle-ioctl / handle-read signals).
// The handlers run on umockdev's worker thread; the device model has its own mutex.
#include "photon_emu.hpp"
#include "photon_emu_model.hpp"

#include <umockdev.h>

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <stdexcept>

#ifndef USBDEVFS_GET_SPEED
#define USBDEVFS_GET_SPEED _IO('U', 31)
#endif
#ifndef USBDEVFS_DROP_PRIVILEGES
#define USBDEVFS_DROP_PRIVILEGES _IOW('U', 30, __u32)
#endif

namespace photon_emu {
namespace {

using detail::DeviceModel;

// Per-connection state (one per opened fd of the device node), attached to the client object.
// It never refers back to the emulator, so it may be destroyed at any time.
struct ClientState {
    std::deque<UMockdevIoctlData*> completed; // URBs ready to reap (owned refs)
    std::vector<UMockdevIoctlData*> held;     // URBs without an answer (timeout fault)
    std::size_t read_pos = 0;
    ClientState() = default;
    ClientState(const ClientState&) = delete;
    ClientState& operator=(const ClientState&) = delete;
    ~ClientState() {
        for (auto* d : completed) g_object_unref(d);
        for (auto* d : held) g_object_unref(d);
    }
};

ClientState& client_state(UMockdevIoctlClient* client) {
    static const char* key = "photon-emu-client-state";
    auto* cs = static_cast<ClientState*>(g_object_get_data(G_OBJECT(client), key));
    if (cs == nullptr) {
        cs = new ClientState;
        g_object_set_data_full(G_OBJECT(client), key, cs, [](gpointer p) { delete static_cast<ClientState*>(p); });
    }
    return *cs;
}

usbdevfs_urb* urb_of(UMockdevIoctlData* d) { return reinterpret_cast<usbdevfs_urb*>(d->data); }

std::string three_digits(unsigned n) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03u", n);
    return buf;
}

std::string hex4(unsigned n) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", n & 0xffff);
    return buf;
}

} // namespace

struct Slot {
    UMockdevTestbed* testbed = nullptr;
    std::unique_ptr<DeviceModel> model;
    std::string syspath;
    std::string devnode;
    UMockdevIoctlBase* handler = nullptr;
    std::atomic<bool> removed{false};

    void vanish() {
        model->mark_gone();
        if (removed.exchange(true)) return;
        umockdev_testbed_uevent(testbed, syspath.c_str(), "remove");
        umockdev_testbed_remove_device(testbed, syspath.c_str());
    }
};

struct Emulator::Impl {
    UMockdevTestbed* testbed = nullptr;
    std::string root;
    std::string hub_syspath;
    std::vector<std::unique_ptr<Slot>> slots;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    // Also runs when the Emulator constructor throws half-way.
    ~Impl() {
        for (auto& slot : slots) {
            if (slot->handler == nullptr) continue;
            g_signal_handlers_disconnect_by_data(slot->handler, slot.get());
            umockdev_testbed_detach_ioctl(testbed, slot->devnode.c_str(), nullptr);
            g_object_unref(slot->handler);
            slot->handler = nullptr;
        }
        if (testbed != nullptr) g_object_unref(testbed); // removes the testbed directory
        const char* dir = std::getenv("UMOCKDEV_DIR");
        if (dir != nullptr && !root.empty() && root == dir) g_unsetenv("UMOCKDEV_DIR");
    }
};

namespace {

void complete(UMockdevIoctlClient* client, long res, int err) { umockdev_ioctl_client_complete(client, res, err); }

UMockdevIoctlData* resolve(UMockdevIoctlData* d, std::size_t offset, std::size_t len) {
    GError* err = nullptr;
    UMockdevIoctlData* r = umockdev_ioctl_data_resolve(d, offset, len, &err);
    if (err != nullptr) {
        g_error_free(err);
        if (r != nullptr) g_object_unref(r);
        return nullptr;
    }
    return r;
}

// Answers one usbdevfs control URB (or USBDEVFS_CONTROL) through the device model.
void handle_submit(Slot& slot, UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    UMockdevIoctlData* urb_d = resolve(arg, 0, sizeof(usbdevfs_urb));
    if (urb_d == nullptr) return complete(client, -1, EFAULT);
    usbdevfs_urb* urb = urb_of(urb_d);
    if (urb->type != USBDEVFS_URB_TYPE_CONTROL || urb->buffer_length < 8 || (urb->endpoint & 0x7f) != 0) {
        g_object_unref(urb_d);
        return complete(client, -1, EINVAL);
    }
    UMockdevIoctlData* buf_d =
        resolve(urb_d, offsetof(usbdevfs_urb, buffer), static_cast<std::size_t>(urb->buffer_length));
    if (buf_d == nullptr) {
        g_object_unref(urb_d);
        return complete(client, -1, EFAULT);
    }
    std::uint8_t* buf = buf_d->data;
    detail::Setup s;
    s.request_type = buf[0];
    s.request = buf[1];
    s.value = static_cast<std::uint16_t>(buf[2] | (buf[3] << 8));
    s.index = static_cast<std::uint16_t>(buf[4] | (buf[5] << 8));
    s.length = static_cast<std::uint16_t>(buf[6] | (buf[7] << 8));
    const std::size_t room = static_cast<std::size_t>(urb->buffer_length) - 8;
    if (s.length > room) {
        g_object_unref(buf_d);
        g_object_unref(urb_d);
        return complete(client, -1, EINVAL);
    }
    const bool in = (s.request_type & 0x80) != 0;
    std::span<const std::uint8_t> out;
    if (!in) out = std::span<const std::uint8_t>(buf + 8, s.length);

    if (slot.removed.load() || slot.model->gone()) {
        g_object_unref(buf_d);
        g_object_unref(urb_d);
        return complete(client, -1, ENODEV);
    }
    const detail::Response r = slot.model->control(s, out);
    ClientState& cs = client_state(client);
    switch (r.outcome) {
    case detail::Outcome::Ok:
        if (in && !r.in.empty()) std::memcpy(buf + 8, r.in.data(), r.in.size());
        urb->status = 0;
        urb->actual_length = static_cast<int>(in ? r.in.size() : out.size());
        cs.completed.push_back(urb_d);
        break;
    case detail::Outcome::Stall:
        urb->status = -EPIPE;
        urb->actual_length = 0;
        cs.completed.push_back(urb_d);
        break;
    case detail::Outcome::Hold:
        cs.held.push_back(urb_d);
        break;
    case detail::Outcome::Disconnect:
        g_object_unref(buf_d);
        g_object_unref(urb_d);
        slot.vanish();
        return complete(client, -1, ENODEV);
    }
    g_object_unref(buf_d); // the URB keeps its buffer as a child
    complete(client, 0, 0);
    if (r.vanish_after) slot.vanish();
}

void handle_reap(Slot& slot, UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    ClientState& cs = client_state(client);
    UMockdevIoctlData* urb_d = nullptr;
    if (!cs.completed.empty()) {
        urb_d = cs.completed.front();
        cs.completed.pop_front();
    } else if (slot.removed.load() && !cs.held.empty()) {
        urb_d = cs.held.front();
        cs.held.erase(cs.held.begin());
        urb_of(urb_d)->status = -ESHUTDOWN;
        urb_of(urb_d)->actual_length = 0;
    }
    if (urb_d == nullptr) return complete(client, -1, slot.removed.load() ? ENODEV : EAGAIN);
    UMockdevIoctlData* slot_d = resolve(arg, 0, sizeof(void*));
    if (slot_d == nullptr) {
        cs.completed.push_front(urb_d);
        return complete(client, -1, EFAULT);
    }
    umockdev_ioctl_data_set_ptr(slot_d, 0, urb_d);
    g_object_unref(urb_d);
    g_object_unref(slot_d);
    complete(client, 0, 0);
}

void handle_discard(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    ClientState& cs = client_state(client);
    unsigned long addr = 0;
    std::memcpy(&addr, arg->data, std::min<std::size_t>(sizeof addr, static_cast<std::size_t>(arg->data_len)));
    for (auto it = cs.held.begin(); it != cs.held.end(); ++it) {
        if ((*it)->client_addr == addr) {
            UMockdevIoctlData* d = *it;
            cs.held.erase(it);
            urb_of(d)->status = -ENOENT;
            urb_of(d)->actual_length = 0;
            cs.completed.push_back(d);
            return complete(client, 0, 0);
        }
    }
    complete(client, -1, EINVAL); // already completed
}

void handle_sync_control(Slot& slot, UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    UMockdevIoctlData* ct_d = resolve(arg, 0, sizeof(usbdevfs_ctrltransfer));
    if (ct_d == nullptr) return complete(client, -1, EFAULT);
    auto* ct = reinterpret_cast<usbdevfs_ctrltransfer*>(ct_d->data);
    detail::Setup s;
    s.request_type = ct->bRequestType;
    s.request = ct->bRequest;
    s.value = ct->wValue;
    s.index = ct->wIndex;
    s.length = ct->wLength;
    UMockdevIoctlData* data_d = nullptr;
    if (s.length > 0) {
        data_d = resolve(ct_d, offsetof(usbdevfs_ctrltransfer, data), s.length);
        if (data_d == nullptr) {
            g_object_unref(ct_d);
            return complete(client, -1, EFAULT);
        }
    }
    const bool in = (s.request_type & 0x80) != 0;
    std::span<const std::uint8_t> out;
    if (!in && data_d != nullptr) out = std::span<const std::uint8_t>(data_d->data, s.length);
    if (slot.removed.load() || slot.model->gone()) {
        if (data_d) g_object_unref(data_d);
        g_object_unref(ct_d);
        return complete(client, -1, ENODEV);
    }
    const detail::Response r = slot.model->control(s, out);
    long res = -1;
    int err = 0;
    switch (r.outcome) {
    case detail::Outcome::Ok:
        if (in && data_d != nullptr && !r.in.empty()) std::memcpy(data_d->data, r.in.data(), r.in.size());
        res = static_cast<long>(in ? r.in.size() : out.size());
        break;
    case detail::Outcome::Stall:
        err = EPIPE;
        break;
    case detail::Outcome::Hold:
        err = ETIMEDOUT;
        break; // the worker must never block
    case detail::Outcome::Disconnect:
        err = ENODEV;
        break;
    }
    if (data_d) g_object_unref(data_d);
    g_object_unref(ct_d);
    complete(client, res, err);
    if (r.outcome == detail::Outcome::Disconnect || r.vanish_after) slot.vanish();
}

gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
    Slot& slot = *static_cast<Slot*>(user);
    const unsigned long req = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    const bool gone = slot.removed.load() || slot.model->gone();

    switch (req) {
    case USBDEVFS_SUBMITURB:
        handle_submit(slot, client, arg);
        return TRUE;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
        handle_reap(slot, client, arg);
        return TRUE;
    case USBDEVFS_DISCARDURB:
        handle_discard(client, arg);
        return TRUE;
    case USBDEVFS_CONTROL:
        handle_sync_control(slot, client, arg);
        return TRUE;
    default:
        break;
    }
    if (gone) {
        complete(client, -1, ENODEV);
        return TRUE;
    }
    switch (req) {
    case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData* d = resolve(arg, 0, sizeof(std::uint32_t));
        if (d == nullptr) {
            complete(client, -1, EFAULT);
            return TRUE;
        }
        const std::uint32_t caps = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                                   USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        std::memcpy(d->data, &caps, sizeof caps);
        g_object_unref(d);
        complete(client, 0, 0);
        return TRUE;
    }
    case USBDEVFS_SETINTERFACE: {
        UMockdevIoctlData* d = resolve(arg, 0, sizeof(usbdevfs_setinterface));
        if (d == nullptr) {
            complete(client, -1, EFAULT);
            return TRUE;
        }
        const auto* si = reinterpret_cast<const usbdevfs_setinterface*>(d->data);
        const bool ok = slot.model->set_interface(si->interface, si->altsetting);
        g_object_unref(d);
        complete(client, ok ? 0 : -1, ok ? 0 : EINVAL);
        return TRUE;
    }
    case USBDEVFS_RESET:
        slot.model->usb_reset();
        complete(client, 0, 0);
        return TRUE;
    case USBDEVFS_GET_SPEED:
        complete(client, 2 /* USB_SPEED_FULL */, 0);
        return TRUE;
    case USBDEVFS_CONNECTINFO: {
        UMockdevIoctlData* d = resolve(arg, 0, sizeof(usbdevfs_connectinfo));
        if (d == nullptr) {
            complete(client, -1, EFAULT);
            return TRUE;
        }
        auto* ci = reinterpret_cast<usbdevfs_connectinfo*>(d->data);
        ci->devnum =
            static_cast<unsigned>(std::strtoul(slot.devnode.substr(slot.devnode.size() - 3).c_str(), nullptr, 10));
        ci->slow = 0;
        g_object_unref(d);
        complete(client, 0, 0);
        return TRUE;
    }
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
    case USBDEVFS_DISCONNECT_CLAIM:
    case USBDEVFS_DROP_PRIVILEGES:
        complete(client, 0, 0);
        return TRUE;
    case USBDEVFS_GETDRIVER:
    case USBDEVFS_IOCTL:
        complete(client, -1, ENODATA); // no kernel driver bound
        return TRUE;
    default:
        complete(client, -1, ENOTTY);
        return TRUE;
    }
}

// read() of a usbfs node returns the raw descriptors.
gboolean on_read(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
    Slot& slot = *static_cast<Slot*>(user);
    if (slot.removed.load()) {
        complete(client, -1, ENODEV);
        return TRUE;
    }
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    ClientState& cs = client_state(client);
    const auto desc = slot.model->sysfs_descriptors();
    const std::size_t pos = std::min(cs.read_pos, desc.size());
    const std::size_t n = std::min(desc.size() - pos, static_cast<std::size_t>(arg->data_len));
    if (n > 0) std::memcpy(arg->data, desc.data() + pos, n);
    cs.read_pos = pos + n;
    complete(client, static_cast<long>(n), 0);
    return TRUE;
}

gboolean on_write(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer) {
    complete(client, -1, EINVAL);
    return TRUE;
}

std::vector<std::uint8_t> root_hub_descriptors() {
    return {
        18, 0x01, 0x00, 0x02, 0x09, 0x00, 0x01, 64,   0x6b, 0x1d, 0x02, 0x00, 0x01, 0x06, 3, 2, 1, 1, // device
        9,  0x02, 25,   0,    1,    1,    0,    0xE0, 0,                                              // config
        9,  0x04, 0,    0,    1,    0x09, 0x00, 0x00, 0,                                              // hub interface
        7,  0x05, 0x81, 0x03, 0x04, 0x00, 0x0C, // status change EP
    };
}

void write_file(const std::string& path, const std::string& contents) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << contents;
    if (!f) throw std::runtime_error("photon_emu: cannot create " + path);
}

} // namespace

Emulator::Emulator(std::vector<DeviceConfig> devices) : impl_(std::make_unique<Impl>()) {
    if (devices.empty()) throw std::invalid_argument("photon_emu::Emulator: no devices");
    if (devices.size() > 100) throw std::invalid_argument("photon_emu::Emulator: too many devices");
    impl_->testbed = umockdev_testbed_new();
    if (impl_->testbed == nullptr) throw std::runtime_error("photon_emu: umockdev_testbed_new failed");
    gchar* root = umockdev_testbed_get_root_dir(impl_->testbed);
    impl_->root = root;
    g_free(root);
    UMockdevTestbed* tb = impl_->testbed;

    // Root hub usb1 (bus 1, devnum 1).
    {
        const auto desc = root_hub_descriptors();
        const gchar* attrs[] = {"busnum",
                                "1",
                                "devnum",
                                "1",
                                "devpath",
                                "0",
                                "speed",
                                "480",
                                "idVendor",
                                "1d6b",
                                "idProduct",
                                "0002",
                                "bcdDevice",
                                "0601",
                                "bDeviceClass",
                                "09",
                                "bDeviceSubClass",
                                "00",
                                "bDeviceProtocol",
                                "01",
                                "bMaxPacketSize0",
                                "64",
                                "bNumConfigurations",
                                "1",
                                "bConfigurationValue",
                                "1",
                                "bNumInterfaces",
                                " 1",
                                "bmAttributes",
                                "e0",
                                "maxchild",
                                "8",
                                "version",
                                " 2.00",
                                "manufacturer",
                                "Linux photon-emu ehci_hcd",
                                "product",
                                "EHCI Host Controller",
                                "serial",
                                "0000:00:1d.0",
                                "dev",
                                "189:0",
                                nullptr};
        const gchar* props[] = {"DEVTYPE", "usb_device", "DEVNAME", "/dev/bus/usb/001/001",
                                "BUSNUM",  "001",        "DEVNUM",  "001",
                                "MAJOR",   "189",        "MINOR",   "0",
                                "PRODUCT", "1d6b/2/601", "TYPE",    "9/0/1",
                                nullptr};
        gchar* sp = umockdev_testbed_add_devicev(tb, "usb", "usb1", nullptr, const_cast<gchar**>(attrs),
                                                 const_cast<gchar**>(props));
        if (sp == nullptr) throw std::runtime_error("photon_emu: cannot add root hub");
        umockdev_testbed_set_attribute_binary(tb, sp, "descriptors", const_cast<guint8*>(desc.data()),
                                              static_cast<gint>(desc.size()));
        impl_->hub_syspath = sp;
        g_free(sp);
        g_mkdir_with_parents((impl_->root + "/dev/bus/usb/001").c_str(), 0755);
        write_file(impl_->root + "/dev/bus/usb/001/001", "");
    }

    for (std::size_t i = 0; i < devices.size(); ++i) {
        auto slot = std::make_unique<Slot>();
        slot->testbed = tb;
        slot->model = std::make_unique<DeviceModel>(std::move(devices[i]), static_cast<unsigned>(i));
        const DeviceModel& m = *slot->model;
        const unsigned devnum = static_cast<unsigned>(i) + 2;
        const std::string name = "1-" + std::to_string(i + 1);
        const std::string devnode = "/dev/bus/usb/001/" + three_digits(devnum);
        const std::string pid = hex4(m.product_id());
        const std::string dev = "189:" + std::to_string(devnum - 1);
        const std::string devpath = std::to_string(i + 1);
        const std::string devnum_s = std::to_string(devnum);
        const std::string product = m.product_string();
        const std::string serial = m.config().serial;
        const std::string nif = m.config().dfu_mode ? " 1" : " 2";
        const std::string dclass = m.config().dfu_mode ? "00" : "ef";
        const std::string product_prop =
            "2b04/" + pid.substr(pid.find_first_not_of('0') == std::string::npos ? 0 : pid.find_first_not_of('0')) +
            "/250";
        const std::string minor = std::to_string(devnum - 1);
        const std::string devnum3 = three_digits(devnum);
        const gchar* attrs[] = {"busnum",
                                "1",
                                "devnum",
                                devnum_s.c_str(),
                                "devpath",
                                devpath.c_str(),
                                "speed",
                                "12",
                                "idVendor",
                                "2b04",
                                "idProduct",
                                pid.c_str(),
                                "bcdDevice",
                                "0250",
                                "bDeviceClass",
                                dclass.c_str(),
                                "bMaxPacketSize0",
                                "64",
                                "bNumConfigurations",
                                "1",
                                "bConfigurationValue",
                                "1",
                                "bNumInterfaces",
                                nif.c_str(),
                                "bmAttributes",
                                "c0",
                                "bMaxPower",
                                "100mA",
                                "maxchild",
                                "0",
                                "version",
                                " 2.00",
                                "manufacturer",
                                "Particle",
                                "product",
                                product.c_str(),
                                "serial",
                                serial.c_str(),
                                "dev",
                                dev.c_str(),
                                nullptr};
        const gchar* props[] = {"DEVTYPE",
                                "usb_device",
                                "DEVNAME",
                                devnode.c_str(),
                                "BUSNUM",
                                "001",
                                "DEVNUM",
                                devnum3.c_str(),
                                "MAJOR",
                                "189",
                                "MINOR",
                                minor.c_str(),
                                "PRODUCT",
                                product_prop.c_str(),
                                "TYPE",
                                m.config().dfu_mode ? "0/0/0" : "239/2/1",
                                "ID_VENDOR_ID",
                                "2b04",
                                "ID_MODEL_ID",
                                pid.c_str(),
                                "ID_SERIAL_SHORT",
                                serial.c_str(),
                                nullptr};
        gchar* sp = umockdev_testbed_add_devicev(tb, "usb", name.c_str(), impl_->hub_syspath.c_str(),
                                                 const_cast<gchar**>(attrs), const_cast<gchar**>(props));
        if (sp == nullptr) throw std::runtime_error("photon_emu: cannot add device " + name);
        const auto desc = m.sysfs_descriptors();
        umockdev_testbed_set_attribute_binary(tb, sp, "descriptors", const_cast<guint8*>(desc.data()),
                                              static_cast<gint>(desc.size()));
        slot->syspath = sp;
        g_free(sp);
        slot->devnode = devnode;
        write_file(impl_->root + devnode, "");

        Slot& sl = *slot;
        impl_->slots.push_back(std::move(slot));
        sl.handler = umockdev_ioctl_base_new();
        g_signal_connect(sl.handler, "handle-ioctl", G_CALLBACK(on_ioctl), &sl);
        g_signal_connect(sl.handler, "handle-read", G_CALLBACK(on_read), &sl);
        g_signal_connect(sl.handler, "handle-write", G_CALLBACK(on_write), &sl);
        GError* err = nullptr;
        if (!umockdev_testbed_attach_ioctl(tb, devnode.c_str(), sl.handler, &err)) {
            std::string msg = err ? err->message : "unknown error";
            if (err) g_error_free(err);
            throw std::runtime_error("photon_emu: cannot attach ioctl handler to " + devnode + ": " + msg);
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

std::string Emulator::umockdev_dir() const { return impl_->root; }

std::string Emulator::devnode(std::size_t device) const { return impl_->slots.at(device)->devnode; }

std::string Emulator::serial(std::size_t device) const { return impl_->slots.at(device)->model->config().serial; }

void Emulator::write_transcript_jsonl(const std::filesystem::path& path) const {
    std::ofstream f(path, std::ios::trunc);
    if (!f) throw std::runtime_error("photon_emu: cannot write " + path.string());
    for (std::size_t d = 0; d < impl_->slots.size(); ++d) {
        for (const auto& e : transcript(d)) f << transcript_entry_json(d, e) << '\n';
    }
    if (!f) throw std::runtime_error("photon_emu: error writing " + path.string());
}

} // namespace photon_emu
