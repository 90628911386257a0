// The only file in photon-dct that talks to libusb.
#include "photon_dct/usb/usb.hpp"

#include <libusb.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "photon_dct/error.hpp"
#include "error_mapping.hpp"

namespace photon_dct::usb {

namespace {

using detail::kBusyHint;
using detail::kUdevHint;

[[noreturn]] void throw_usb(int rc, const std::string& what) { throw detail::usb_error(rc, what); }

std::string access_problem_text(int rc) {
    switch (rc) {
    case LIBUSB_ERROR_ACCESS:
        return "permission denied opening the device; " + kUdevHint;
    case LIBUSB_ERROR_BUSY:
        return "the device is busy: another program (dfu-util, particle-cli?) holds the device; " + kBusyHint;
    case LIBUSB_ERROR_NO_DEVICE:
        return "the device disconnected while being opened; reconnect it and retry";
    default:
        return std::string("the device could not be opened: ") + libusb_strerror(rc) + "; replug it and retry";
    }
}

struct ConfigDeleter {
    void operator()(libusb_config_descriptor* c) const { libusb_free_config_descriptor(c); }
};
using ConfigPtr = std::unique_ptr<libusb_config_descriptor, ConfigDeleter>;

ConfigPtr config_of(libusb_device* dev) {
    libusb_config_descriptor* cfg = nullptr;
    if (libusb_get_active_config_descriptor(dev, &cfg) == 0 && cfg != nullptr) return ConfigPtr(cfg);
    cfg = nullptr;
    if (libusb_get_config_descriptor(dev, 0, &cfg) == 0 && cfg != nullptr) return ConfigPtr(cfg);
    return nullptr;
}

// The first DFU-mode interface (class FE, subclass 01, protocol != 1): iInterface per alt.
bool dfu_alt_string_indexes(const libusb_config_descriptor& cfg, std::vector<std::uint8_t>& out) {
    for (int i = 0; i < cfg.bNumInterfaces; ++i) {
        const libusb_interface& intf = cfg.interface[i];
        bool is_dfu = false;
        for (int a = 0; a < intf.num_altsetting; ++a) {
            const libusb_interface_descriptor& alt = intf.altsetting[a];
            if (alt.bInterfaceClass == 0xFE && alt.bInterfaceSubClass == 0x01 && alt.bInterfaceProtocol != 0x01) {
                is_dfu = true;
                out.push_back(alt.iInterface);
            }
        }
        if (is_dfu) return true;
    }
    return false;
}

void append_extra(photon_dct::Bytes& out, const unsigned char* extra, int length) {
    if (extra != nullptr && length > 0) out.insert(out.end(), extra, extra + length);
}

// Rebuilds the raw configuration descriptor from libusb's parsed copy (read by the kernel from
// the device at enumeration). libusb keeps every class-specific descriptor in `extra`, in order,
// so the result matches what GET_DESCRIPTOR(CONFIGURATION) returns, with no USB traffic.
photon_dct::Bytes raw_configuration(const libusb_config_descriptor& cfg) {
    photon_dct::Bytes out{9,
                          LIBUSB_DT_CONFIG,
                          0,
                          0,
                          cfg.bNumInterfaces,
                          cfg.bConfigurationValue,
                          cfg.iConfiguration,
                          cfg.bmAttributes,
                          cfg.MaxPower};
    append_extra(out, cfg.extra, cfg.extra_length);
    for (int i = 0; i < cfg.bNumInterfaces; ++i) {
        const libusb_interface& intf = cfg.interface[i];
        for (int a = 0; a < intf.num_altsetting; ++a) {
            const libusb_interface_descriptor& alt = intf.altsetting[a];
            out.insert(out.end(),
                       {9, LIBUSB_DT_INTERFACE, alt.bInterfaceNumber, alt.bAlternateSetting, alt.bNumEndpoints,
                        alt.bInterfaceClass, alt.bInterfaceSubClass, alt.bInterfaceProtocol, alt.iInterface});
            append_extra(out, alt.extra, alt.extra_length);
            for (int e = 0; e < alt.bNumEndpoints; ++e) {
                const libusb_endpoint_descriptor& ep = alt.endpoint[e];
                const std::uint8_t length = ep.bLength >= 9 ? 9 : 7;
                out.insert(out.end(), {length, LIBUSB_DT_ENDPOINT, ep.bEndpointAddress, ep.bmAttributes,
                                       static_cast<std::uint8_t>(ep.wMaxPacketSize & 0xff),
                                       static_cast<std::uint8_t>(ep.wMaxPacketSize >> 8), ep.bInterval});
                if (length == 9) out.insert(out.end(), {ep.bRefresh, ep.bSynchAddress});
                append_extra(out, ep.extra, ep.extra_length);
            }
        }
    }
    const std::size_t total = std::min<std::size_t>(out.size(), 0xFFFF);
    out[2] = static_cast<std::uint8_t>(total & 0xff);
    out[3] = static_cast<std::uint8_t>(total >> 8);
    return out;
}

// The string the kernel read from the device at enumeration and keeps in sysfs
// (/sys/bus/usb/devices/BUS-PORT[.PORT...]/serial, product), made ASCII like a string descriptor
// read through libusb: the kernel writes UTF-8 and a newline, so each non-ASCII character becomes
// one '?'. nullopt when the attribute is absent (no such string, or no sysfs). Reading it costs no
// USB traffic, where GET_DESCRIPTOR costs a control transfer (and string 0 once per device).
std::optional<std::string> sysfs_string(const std::string& port_path, const char* attribute) {
    std::ifstream f("/sys/bus/usb/devices/" + port_path + "/" + attribute, std::ios::binary);
    if (!f) return std::nullopt;
    const std::string utf8((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) return std::nullopt;
    std::string ascii;
    for (const char c : utf8) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x80)
            ascii += c;
        else if (b >= 0xC0)
            ascii += '?'; // the first byte of a character; continuation bytes are skipped
    }
    if (!ascii.empty() && ascii.back() == '\n') ascii.pop_back();
    return ascii;
}

std::string port_path_of(libusb_device* dev, std::vector<std::uint8_t>& ports) {
    std::array<std::uint8_t, 8> numbers{};
    const int n = libusb_get_port_numbers(dev, numbers.data(), static_cast<int>(numbers.size()));
    std::string path = std::to_string(libusb_get_bus_number(dev));
    ports.clear();
    for (int i = 0; i < n; ++i) {
        path += (i == 0 ? '-' : '.');
        path += std::to_string(numbers[static_cast<std::size_t>(i)]);
        ports.push_back(numbers[static_cast<std::size_t>(i)]);
    }
    return path;
}

struct DeviceList {
    libusb_device** list{nullptr};
    ssize_t count{0};
    explicit DeviceList(libusb_context* ctx) {
        count = libusb_get_device_list(ctx, &list);
        if (count < 0) throw_usb(static_cast<int>(count), "listing USB devices");
    }
    ~DeviceList() {
        if (list != nullptr) libusb_free_device_list(list, 1);
    }
    DeviceList(const DeviceList&) = delete;
    DeviceList& operator=(const DeviceList&) = delete;
};

} // namespace

struct UsbContext::Impl {
    libusb_context* ctx{nullptr};
    std::mutex hotplug_lock; // wait_for_arrival runs on several threads at once (dfu --all)
    std::optional<libusb_hotplug_callback_handle> hotplug; // registered by the first wait_for_arrival
    std::atomic<std::uint64_t> arrivals{0};                // counted by the hotplug callback
    std::atomic<std::uint64_t> wakes{0};                   // counted by wake()
    std::mutex wake_lock;                                  // with woken: wake() where there is no hotplug
    std::condition_variable woken;
    Impl() {
        const int rc = libusb_init(&ctx);
        if (rc != 0) throw_usb(rc, "initialising libusb");
    }
    ~Impl() {
        if (hotplug) libusb_hotplug_deregister_callback(ctx, *hotplug);
        if (ctx != nullptr) libusb_exit(ctx);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
};

// A counted reference to one enumerated libusb device; keeps the context alive with it.
// It also keeps the string descriptors read from the device: a device's strings do not change
// while it stays enumerated, so enumeration and the DFU session that follows ask for the LANGID
// (string 0) and each string once between them (issue 9: fewer control transfers).
struct DeviceRef {
    std::shared_ptr<UsbContext::Impl> context;
    libusb_device* device;
    DeviceRef(std::shared_ptr<UsbContext::Impl> ctx, libusb_device* dev) : context(std::move(ctx)), device(dev) {
        libusb_ref_device(device);
    }
    ~DeviceRef() {
        if (idle_handle_ != nullptr) libusb_close(idle_handle_);
        libusb_unref_device(device);
    }
    DeviceRef(const DeviceRef&) = delete;
    DeviceRef& operator=(const DeviceRef&) = delete;

    // The handle enumeration opened to read the strings, kept for the session that usually follows
    // so that the device is opened once per command, not twice (issue 9: host time).
    void keep_handle(libusb_device_handle* handle) const {
        const std::lock_guard lock(mutex_);
        if (idle_handle_ != nullptr) libusb_close(idle_handle_);
        idle_handle_ = handle;
    }
    // The kept handle (and it is no longer kept), or nullptr.
    libusb_device_handle* take_handle() const {
        const std::lock_guard lock(mutex_);
        return std::exchange(idle_handle_, nullptr);
    }

    // String descriptor `index` as ASCII the way libusb_get_string_descriptor_ascii converts it
    // ('?' for every code unit above 0x7F); throws on failure. It is read in Particle's language
    // (quirks::kStringLanguage) without asking for the device's languages (string 0) first; a
    // device that stalls that is asked for them, and the string read again in its first one.
    std::string string(libusb_device_handle* handle, std::uint8_t index) const;

private:
    std::uint16_t first_language(libusb_device_handle* handle) const;

    mutable std::mutex mutex_;
    mutable std::optional<std::uint16_t> language_;
    mutable std::map<std::uint8_t, std::string> strings_;
    mutable libusb_device_handle* idle_handle_{nullptr};
};

namespace {

// One GET_DESCRIPTOR(STRING): the descriptor's bytes after checking its header, or throws.
std::vector<unsigned char> string_descriptor(libusb_device_handle* handle, std::uint8_t index, std::uint16_t language,
                                             const std::string& what) {
    std::vector<unsigned char> buf(255);
    const int rc = libusb_get_string_descriptor(handle, index, language, buf.data(), static_cast<int>(buf.size()));
    if (rc < 0) throw_usb(rc, what);
    if (rc < 2 || buf[1] != LIBUSB_DT_STRING || buf[0] > rc) throw_usb(LIBUSB_ERROR_IO, what);
    buf.resize(buf[0]);
    return buf;
}

} // namespace

std::uint16_t DeviceRef::first_language(libusb_device_handle* handle) const {
    const auto langids = string_descriptor(handle, 0, 0, "reading the string language (string descriptor 0)");
    if (langids.size() < 4) throw_usb(LIBUSB_ERROR_IO, "reading the string language (string descriptor 0)");
    return static_cast<std::uint16_t>(langids[2] | (langids[3] << 8));
}

std::string DeviceRef::string(libusb_device_handle* handle, std::uint8_t index) const {
    if (index == 0) return {};
    const std::lock_guard lock(mutex_);
    if (const auto hit = strings_.find(index); hit != strings_.end()) return hit->second;
    const std::string what = "reading string descriptor " + std::to_string(index);
    std::optional<std::vector<unsigned char>> raw;
    if (!language_) {
        try {
            raw = string_descriptor(handle, index, quirks::kStringLanguage, what);
            language_ = quirks::kStringLanguage;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::DfuProtocol) throw; // only a stall means "not in that language"
            language_ = first_language(handle);
        }
    }
    if (!raw) raw = string_descriptor(handle, index, *language_, what);
    std::string ascii;
    for (std::size_t i = 2; i + 1 < raw->size(); i += 2)
        ascii += ((*raw)[i] & 0x80) != 0 || (*raw)[i + 1] != 0 ? '?' : static_cast<char>((*raw)[i]);
    strings_.emplace(index, ascii);
    return ascii;
}

namespace {

class LibusbTransport final : public photon_dct::dfu::ControlTransport {
public:
    LibusbTransport(std::shared_ptr<const DeviceRef> device, libusb_device_handle* handle)
        : device_(std::move(device)), handle_(handle) {}

    ~LibusbTransport() override {
        // Releasing re-attaches the driver that was detached; an interface claimed as it was is
        // released by usbfs when the handle closes (as dfu-util leaves it), one round trip fewer.
        for (int number : detached_) libusb_release_interface(handle_, number);
        libusb_close(handle_);
    }

    LibusbTransport(const LibusbTransport&) = delete;
    LibusbTransport& operator=(const LibusbTransport&) = delete;

    std::size_t control(const photon_dct::dfu::ControlSetup& setup, std::span<std::uint8_t> data,
                        std::chrono::milliseconds timeout) override {
        if (data.size() > 4096) {
            throw Error(ErrorKind::Internal,
                        "control transfer of " + std::to_string(data.size()) + " bytes exceeds the 4096-byte limit");
        }
        const auto ms = static_cast<unsigned int>(std::max<std::int64_t>(1, timeout.count()));
        const int rc = libusb_control_transfer(handle_, setup.request_type, setup.request, setup.value, setup.index,
                                               data.data(), static_cast<std::uint16_t>(data.size()), ms);
        if (rc < 0) throw_usb(rc, "control transfer");
        const auto got = static_cast<std::size_t>(rc);
        if ((setup.request_type & LIBUSB_ENDPOINT_IN) == 0 && got < data.size()) {
            throw Error(ErrorKind::UsbIo, "control transfer: the device accepted only " + std::to_string(got) + " of " +
                                              std::to_string(data.size()) + " bytes");
        }
        return got;
    }

    photon_dct::Bytes configuration_descriptor() override {
        libusb_device* dev = libusb_get_device(handle_);
        ConfigPtr cfg = config_of(dev);
        if (!cfg) {
            throw Error(ErrorKind::UsbIo, "the device's configuration descriptor could not be read");
        }
        return raw_configuration(*cfg);
    }

    std::string string_descriptor(std::uint8_t index) override { return device_->string(handle_, index); }

    void claim_interface(std::uint8_t interface_number) override {
        // No Linux driver binds to a DFU-mode interface, so it is claimed as it is, and a driver is
        // detached only when one holds the interface: cdc_acm on IF0 of a running unit (the 14400
        // baud entry, docs/enter-dfu.md). libusb's auto-detach then claims it in one ioctl
        // (DISCONNECT_CLAIM), which leaves another program's claim alone (still busy).
        int rc = libusb_claim_interface(handle_, interface_number);
        if (rc == LIBUSB_ERROR_BUSY && libusb_set_auto_detach_kernel_driver(handle_, 1) == LIBUSB_SUCCESS) {
            rc = libusb_claim_interface(handle_, interface_number);
            if (rc == 0) detached_.insert(interface_number);
        }
        if (rc != 0) throw_usb(rc, "claiming interface " + std::to_string(interface_number));
    }

    void set_alt_setting(std::uint8_t interface_number, std::uint8_t alt_setting) override {
        const int rc = libusb_set_interface_alt_setting(handle_, interface_number, alt_setting);
        if (rc != 0) {
            throw_usb(rc, "selecting alt setting " + std::to_string(alt_setting) + " of interface " +
                              std::to_string(interface_number));
        }
    }

private:
    std::shared_ptr<const DeviceRef> device_; // keeps libusb alive while the handle is open; its strings
    libusb_device_handle* handle_;
    std::set<int> detached_; // claimed after detaching a kernel driver, released to re-attach it
};

} // namespace

UsbContext::UsbContext() : impl_(std::make_shared<Impl>()) {}
UsbContext::~UsbContext() = default;

std::vector<UsbDevice> UsbContext::enumerate(std::uint16_t vendor_id, AltNames names) {
    struct Found {
        std::uint8_t bus;
        std::vector<std::uint8_t> ports;
        UsbDevice info;
    };
    std::vector<Found> found;
    DeviceList devices(impl_->ctx);
    for (ssize_t i = 0; i < devices.count; ++i) {
        libusb_device* dev = devices.list[i];
        libusb_device_descriptor desc{};
        if (libusb_get_device_descriptor(dev, &desc) != 0) continue;
        if (desc.idVendor != vendor_id) continue;

        Found f;
        f.bus = libusb_get_bus_number(dev);
        UsbDevice& info = f.info;
        info.platform = dct::find_platform_by_usb(desc.idVendor, desc.idProduct);
        info.vendor_id = desc.idVendor;
        info.product_id = desc.idProduct;
        info.bcd_device = desc.bcdDevice;
        info.port_path = port_path_of(dev, f.ports);
        info.ref = std::make_shared<DeviceRef>(impl_, dev);

        std::vector<std::uint8_t> alt_strings;
        if (ConfigPtr cfg = config_of(dev)) {
            info.has_dfu_interface = dfu_alt_string_indexes(*cfg, alt_strings);
        }

        libusb_device_handle* handle = nullptr;
        const int rc = libusb_open(dev, &handle);
        if (rc != 0) {
            info.access_problem = access_problem_text(rc);
        } else {
            const auto read_or_empty = [&](std::uint8_t index) {
                try {
                    return info.ref->string(handle, index);
                } catch (const Error&) {
                    return std::string();
                }
            };
            // The kernel's copies of the serial and product strings when sysfs has them.
            const auto kernel_or_read = [&](std::uint8_t index, const char* attribute) {
                if (index == 0) return std::string();
                if (auto kept = sysfs_string(info.port_path, attribute)) return *std::move(kept);
                return read_or_empty(index);
            };
            info.serial = kernel_or_read(desc.iSerialNumber, "serial");
            info.product = kernel_or_read(desc.iProduct, "product");
            if (names == AltNames::Read)
                for (std::uint8_t index : alt_strings) info.alt_names.push_back(read_or_empty(index));
            info.ref->keep_handle(handle);
        }
        if (!quirks::has(info.quirk_facts(), quirks::Quirk::SerialIsNotADeviceId))
            info.device_id = device_id_from_serial(info.serial);
        info.id = unit_id_for(info.device_id, info.port_path);
        found.push_back(std::move(f));
    }
    std::sort(found.begin(), found.end(),
              [](const Found& a, const Found& b) { return std::tie(a.bus, a.ports) < std::tie(b.bus, b.ports); });
    std::vector<UsbDevice> out;
    out.reserve(found.size());
    for (auto& f : found) out.push_back(std::move(f.info));
    return out;
}

namespace {
int LIBUSB_CALL on_arrival(libusb_context*, libusb_device*, libusb_hotplug_event, void* impl) {
    ++static_cast<UsbContext::Impl*>(impl)->arrivals;
    return 0; // stay registered
}

// Registers the arrival callback once per context; false where libusb has no hotplug.
bool has_hotplug(UsbContext::Impl& impl, std::uint16_t vendor_id) {
    if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) == 0) return false;
    const std::lock_guard lock(impl.hotplug_lock);
    if (impl.hotplug) return true;
    libusb_hotplug_callback_handle handle{};
    if (libusb_hotplug_register_callback(impl.ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED, LIBUSB_HOTPLUG_NO_FLAGS,
                                         vendor_id, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, on_arrival,
                                         &impl, &handle) != LIBUSB_SUCCESS)
        return false;
    impl.hotplug = handle;
    return true;
}

} // namespace

bool UsbContext::wait_for_arrival(std::chrono::milliseconds at_most, std::uint16_t vendor_id) {
    // Each waiter watches the counts from its own start, so one waiter's wake-up is not another's loss.
    const std::uint64_t arrivals = impl_->arrivals, wakes = impl_->wakes;
    const auto news = [&] { return impl_->arrivals != arrivals || impl_->wakes != wakes; };
    if (!has_hotplug(*impl_, vendor_id)) {
        std::unique_lock lock(impl_->wake_lock);
        impl_->woken.wait_for(lock, at_most, news);
        return news();
    }
    const auto deadline = std::chrono::steady_clock::now() + at_most;
    while (!news()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        timeval tv{static_cast<time_t>(left.count() / 1000000), static_cast<suseconds_t>(left.count() % 1000000)};
        // Returns on any event of the context, an interrupt from wake() among them.
        libusb_handle_events_timeout_completed(impl_->ctx, &tv, nullptr);
    }
    return news();
}

void UsbContext::wake() {
    {
        const std::lock_guard lock(impl_->wake_lock);
        ++impl_->wakes;
    }
    impl_->woken.notify_all();
    libusb_interrupt_event_handler(impl_->ctx);
}

std::unique_ptr<photon_dct::dfu::ControlTransport> UsbContext::open(const UsbDevice& device) {
    if (!device.ref) throw Error(ErrorKind::Internal, "UsbContext::open: " + device.describe() + " was not enumerated");
    libusb_device_handle* handle = device.ref->take_handle();
    const int rc = handle != nullptr ? 0 : libusb_open(device.ref->device, &handle);
    if (rc == LIBUSB_ERROR_NO_DEVICE)
        throw Error(ErrorKind::NoDevice, device.describe() + " is no longer attached", "reconnect it and retry");
    if (rc != 0) throw_usb(rc, "opening the device at path " + device.port_path);
    return std::make_unique<LibusbTransport>(device.ref, handle);
}

std::unique_ptr<photon_dct::dfu::ControlTransport> UsbContext::open(const UnitId& id) {
    const auto devices = enumerate();
    const auto matching = find_unit(devices, id);
    if (matching.empty())
        throw Error(ErrorKind::NoDevice, "unit " + id.text() + " is not attached", "reconnect it and retry");
    if (matching.size() > 1)
        throw Error(ErrorKind::AmbiguousDevice, std::to_string(matching.size()) + " attached units report " + id.text(),
                    "select one with --path BUS-PORT");
    return open(*matching.front());
}

std::vector<const UsbDevice*> find_unit(const std::vector<UsbDevice>& devices, const UnitId& id) {
    std::vector<const UsbDevice*> out;
    for (const auto& d : devices) {
        const bool match = id.kind == UnitId::Kind::DeviceId ? d.device_id == id.value : d.port_path == id.value;
        if (match) out.push_back(&d);
    }
    return out;
}

std::string libusb_version() {
    const ::libusb_version* v = ::libusb_get_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro) + "." +
           std::to_string(v->nano) + v->rc;
}

} // namespace photon_dct::usb
