// The usbdevfs ioctls of an emulated unit's device node (docs/dfu-protocol.md §6.4, §6.5):
// control URBs and USBDEVFS_CONTROL go to the device model; claims, kernel-driver binding and
// the other ioctls are answered the way Linux usbfs answers them.
#include "photon_emu_glue.hpp"

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <deque>

#ifndef USBDEVFS_GET_SPEED
#define USBDEVFS_GET_SPEED _IO('U', 31)
#endif
#ifndef USBDEVFS_DROP_PRIVILEGES
#define USBDEVFS_DROP_PRIVILEGES _IOW('U', 30, __u32)
#endif

namespace photon_emu::glue {
namespace {

// Per-connection state (one per opened fd of the device node), attached to the client object.
// It never refers back to the emulator, so it may be destroyed at any time.
struct ClientState {
    std::deque<UMockdevIoctlData*> completed; // URBs ready to reap (owned refs)
    std::vector<UMockdevIoctlData*> held;     // URBs without an answer (timeout fault)
    std::size_t read_pos = 0;
    std::set<unsigned> claimed; // interfaces this fd claimed
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

constexpr const char* kCdcDriver = "cdc_acm";

// usbfs checks an interface-recipient control request against the claims: it claims a free
// interface for the fd, and refuses one a kernel driver holds with EBUSY (Linux
// drivers/usb/core/devio.c check_ctrlrecip/checkintf). 0 when the request may go out.
int interface_check(Slot& slot, UMockdevIoctlClient* client, std::uint8_t request_type, std::uint16_t index) {
    if ((request_type & 0x1f) != 1) return 0;
    const unsigned interface = index & 0xff;
    ClientState& cs = client_state(client);
    if (cs.claimed.count(interface) != 0) return 0;
    if (slot.driver_holds(interface)) return EBUSY;
    cs.claimed.insert(interface);
    return 0;
}

// Claims and kernel-driver binding (libusb's auto-detach uses DISCONNECT_CLAIM, or
// USBDEVFS_IOCTL(DISCONNECT) then CLAIMINTERFACE, and reconnects the driver on release).
bool handle_driver_ioctl(Slot& slot, UMockdevIoctlClient* client, unsigned long req, UMockdevIoctlData* arg) {
    ClientState& cs = client_state(client);
    const unsigned interfaces = slot.model->interface_count();
    switch (req) {
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE: {
        UMockdevIoctlData* d = resolve(arg, 0, sizeof(unsigned));
        if (d == nullptr) return complete(client, -1, EFAULT), true;
        unsigned interface = 0;
        std::memcpy(&interface, d->data, sizeof interface);
        g_object_unref(d);
        if (interface >= interfaces) return complete(client, -1, ENOENT), true;
        if (req == USBDEVFS_RELEASEINTERFACE) {
            const bool had = cs.claimed.erase(interface) != 0;
            return complete(client, had ? 0 : -1, had ? 0 : EINVAL), true;
        }
        if (slot.driver_holds(interface)) return complete(client, -1, EBUSY), true;
        cs.claimed.insert(interface);
        return complete(client, 0, 0), true;
    }
    case USBDEVFS_DISCONNECT_CLAIM: {
        UMockdevIoctlData* d = resolve(arg, 0, sizeof(usbdevfs_disconnect_claim));
        if (d == nullptr) return complete(client, -1, EFAULT), true;
        const auto* dc = reinterpret_cast<const usbdevfs_disconnect_claim*>(d->data);
        const unsigned interface = dc->interface;
        const bool named = std::strncmp(dc->driver, kCdcDriver, sizeof dc->driver) == 0;
        const bool keep = ((dc->flags & USBDEVFS_DISCONNECT_CLAIM_IF_DRIVER) != 0 && !named) ||
                          ((dc->flags & USBDEVFS_DISCONNECT_CLAIM_EXCEPT_DRIVER) != 0 && named);
        g_object_unref(d);
        if (interface >= interfaces) return complete(client, -1, ENOENT), true;
        if (slot.driver_holds(interface)) {
            if (keep) return complete(client, -1, EBUSY), true;
            slot.detach_driver(interface);
        }
        cs.claimed.insert(interface);
        return complete(client, 0, 0), true;
    }
    case USBDEVFS_GETDRIVER: {
        UMockdevIoctlData* d = resolve(arg, 0, sizeof(usbdevfs_getdriver));
        if (d == nullptr) return complete(client, -1, EFAULT), true;
        auto* gd = reinterpret_cast<usbdevfs_getdriver*>(d->data);
        const bool bound = slot.driver_holds(gd->interface);
        if (bound) std::snprintf(gd->driver, sizeof gd->driver, "%s", kCdcDriver);
        g_object_unref(d);
        return complete(client, bound ? 0 : -1, bound ? 0 : ENODATA), true;
    }
    case USBDEVFS_IOCTL: {
        UMockdevIoctlData* d = resolve(arg, 0, sizeof(usbdevfs_ioctl));
        if (d == nullptr) return complete(client, -1, EFAULT), true;
        const auto* io = reinterpret_cast<const usbdevfs_ioctl*>(d->data);
        const auto interface = static_cast<unsigned>(io->ifno);
        const int code = io->ioctl_code;
        g_object_unref(d);
        if (code == static_cast<int>(USBDEVFS_DISCONNECT)) {
            const bool had = slot.detach_driver(interface);
            return complete(client, had ? 0 : -1, had ? 0 : ENODATA), true;
        }
        if (code == static_cast<int>(USBDEVFS_CONNECT)) {
            // cdc_acm binds again to a CDC interface nobody holds.
            if (cs.claimed.count(interface) == 0) slot.reattach_driver(interface);
            return complete(client, 0, 0), true;
        }
        return complete(client, -1, ENOTTY), true;
    }
    default:
        return false;
    }
}

// What the bus does after a request has been answered: the unit resets into DFU mode, leaves
// DFU mode, or drops off the bus (a disconnect fault).
void after_request(Slot& slot, const detail::Response& r) {
    if (r.enter_dfu)
        slot.after_response(r);
    else if (r.left_dfu)
        slot.after_leave();
    else if (r.outcome == detail::Outcome::Disconnect || r.vanish_after)
        slot.vanish();
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

    if (slot.removed.load() || slot.model->gone() || slot.stale(client)) {
        g_object_unref(buf_d);
        g_object_unref(urb_d);
        return complete(client, -1, ENODEV);
    }
    if (const int busy = interface_check(slot, client, s.request_type, s.index); busy != 0) {
        g_object_unref(buf_d);
        g_object_unref(urb_d);
        return complete(client, -1, busy);
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
        complete(client, -1, ENODEV);
        return after_request(slot, r);
    }
    g_object_unref(buf_d); // the URB keeps its buffer as a child
    complete(client, 0, 0);
    after_request(slot, r);
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
    if (slot.removed.load() || slot.model->gone() || slot.stale(client)) {
        if (data_d) g_object_unref(data_d);
        g_object_unref(ct_d);
        return complete(client, -1, ENODEV);
    }
    if (const int busy = interface_check(slot, client, s.request_type, s.index); busy != 0) {
        if (data_d) g_object_unref(data_d);
        g_object_unref(ct_d);
        return complete(client, -1, busy);
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
    after_request(slot, r);
}

} // namespace

gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
    Slot& slot = *static_cast<Slot*>(user);
    const unsigned long req = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    const bool gone = slot.removed.load() || slot.model->gone() || slot.stale(client);

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
    if (handle_driver_ioctl(slot, client, req, arg)) return TRUE;
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
        const std::string node = slot.current_devnode();
        ci->devnum = static_cast<unsigned>(std::strtoul(node.substr(node.size() - 3).c_str(), nullptr, 10));
        ci->slow = 0;
        g_object_unref(d);
        complete(client, 0, 0);
        return TRUE;
    }
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
    case USBDEVFS_DROP_PRIVILEGES:
        complete(client, 0, 0);
        return TRUE;
    default:
        complete(client, -1, ENOTTY);
        return TRUE;
    }
}

// read() of a usbfs node returns the raw descriptors.
gboolean on_read(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
    Slot& slot = *static_cast<Slot*>(user);
    if (slot.removed.load() || slot.stale(client)) {
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

} // namespace photon_emu::glue
