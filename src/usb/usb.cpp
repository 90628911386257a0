// The only file in photon-dct that talks to libusb.
#include "photon_dct/usb/usb.hpp"

#include <libusb.h>

#include <algorithm>
#include <array>
#include <set>
#include <tuple>

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

// String descriptor as ASCII, or throws.
std::string read_string(libusb_device_handle* handle, std::uint8_t index, const std::string& what) {
    if (index == 0) return {};
    std::array<unsigned char, 256> buf{};
    const int rc = libusb_get_string_descriptor_ascii(handle, index, buf.data(), static_cast<int>(buf.size()));
    if (rc < 0) throw_usb(rc, what);
    return std::string(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(rc));
}

std::string read_string_or_empty(libusb_device_handle* handle, std::uint8_t index) {
    try {
        return read_string(handle, index, "reading a string descriptor");
    } catch (const Error&) {
        return {};
    }
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
    Impl() {
        const int rc = libusb_init(&ctx);
        if (rc != 0) throw_usb(rc, "initialising libusb");
    }
    ~Impl() {
        if (ctx != nullptr) libusb_exit(ctx);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
};

// A counted reference to one enumerated libusb device; keeps the context alive with it.
struct DeviceRef {
    std::shared_ptr<UsbContext::Impl> context;
    libusb_device* device;
    DeviceRef(std::shared_ptr<UsbContext::Impl> ctx, libusb_device* dev) : context(std::move(ctx)), device(dev) {
        libusb_ref_device(device);
    }
    ~DeviceRef() { libusb_unref_device(device); }
    DeviceRef(const DeviceRef&) = delete;
    DeviceRef& operator=(const DeviceRef&) = delete;
};

namespace {

class LibusbTransport final : public photon_dct::dfu::ControlTransport {
public:
    LibusbTransport(std::shared_ptr<UsbContext::Impl> context, libusb_device_handle* handle)
        : context_(std::move(context)), handle_(handle) {}

    ~LibusbTransport() override {
        for (int number : claimed_) libusb_release_interface(handle_, number);
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

    std::string string_descriptor(std::uint8_t index) override {
        return read_string(handle_, index, "reading string descriptor " + std::to_string(index));
    }

    void claim_interface(std::uint8_t interface_number) override {
        libusb_set_auto_detach_kernel_driver(handle_, 1); // harmless where unsupported
        const int rc = libusb_claim_interface(handle_, interface_number);
        if (rc != 0) throw_usb(rc, "claiming interface " + std::to_string(interface_number));
        claimed_.insert(interface_number);
    }

    void set_alt_setting(std::uint8_t interface_number, std::uint8_t alt_setting) override {
        const int rc = libusb_set_interface_alt_setting(handle_, interface_number, alt_setting);
        if (rc != 0) {
            throw_usb(rc, "selecting alt setting " + std::to_string(alt_setting) + " of interface " +
                              std::to_string(interface_number));
        }
    }

private:
    std::shared_ptr<UsbContext::Impl> context_; // keeps libusb alive while the handle is open
    libusb_device_handle* handle_;
    std::set<int> claimed_;
};

} // namespace

UsbContext::UsbContext() : impl_(std::make_shared<Impl>()) {}
UsbContext::~UsbContext() = default;

std::vector<UsbDevice> UsbContext::enumerate(std::uint16_t vendor_id) {
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
            info.serial = read_string_or_empty(handle, desc.iSerialNumber);
            info.product = read_string_or_empty(handle, desc.iProduct);
            for (std::uint8_t index : alt_strings) {
                info.alt_names.push_back(read_string_or_empty(handle, index));
            }
            libusb_close(handle);
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

std::unique_ptr<photon_dct::dfu::ControlTransport> UsbContext::open(const UsbDevice& device) {
    if (!device.ref) throw Error(ErrorKind::Internal, "UsbContext::open: " + device.describe() + " was not enumerated");
    libusb_device_handle* handle = nullptr;
    const int rc = libusb_open(device.ref->device, &handle);
    if (rc == LIBUSB_ERROR_NO_DEVICE)
        throw Error(ErrorKind::NoDevice, device.describe() + " is no longer attached", "reconnect it and retry");
    if (rc != 0) throw_usb(rc, "opening the device at path " + device.port_path);
    return std::make_unique<LibusbTransport>(impl_, handle);
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
