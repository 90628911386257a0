// The sysfs attributes and device nodes of photon_emu's testbed (docs/dfu-protocol.md §6.2,
// §6.3): libusb reads `descriptors`, busnum/devnum/speed/bConfigurationValue from here.
#include "photon_emu_sysfs.hpp"
#include "photon_emu_model.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace photon_emu::detail {
namespace {

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

// udev's PRODUCT spelling: hex without leading zeros.
std::string short_hex(unsigned n) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%x", n & 0xffff);
    return buf;
}

std::string add_device(UMockdevTestbed* tb, const std::string& name, const char* parent,
                       const std::vector<std::string>& attrs, const std::vector<std::string>& props,
                       const std::vector<std::uint8_t>& descriptors) {
    std::vector<const gchar*> a, p;
    for (const auto& x : attrs) a.push_back(x.c_str());
    a.push_back(nullptr);
    for (const auto& x : props) p.push_back(x.c_str());
    p.push_back(nullptr);
    gchar* sp = umockdev_testbed_add_devicev(tb, "usb", name.c_str(), parent, const_cast<gchar**>(a.data()),
                                             const_cast<gchar**>(p.data()));
    if (sp == nullptr) throw std::runtime_error("photon_emu: cannot add device " + name);
    umockdev_testbed_set_attribute_binary(tb, sp, "descriptors", const_cast<guint8*>(descriptors.data()),
                                          static_cast<gint>(descriptors.size()));
    std::string out = sp;
    g_free(sp);
    return out;
}

} // namespace

std::string usb_devnode(unsigned devnum) { return "/dev/bus/usb/001/" + three_digits(devnum); }

// Attributes every device on the emulated bus has alike.
static std::vector<std::string> with_common_attributes(std::vector<std::string> attrs) {
    for (const char* a :
         {"bMaxPacketSize0", "64", "bNumConfigurations", "1", "bConfigurationValue", "1", "version", " 2.00"})
        attrs.emplace_back(a);
    return attrs;
}

std::string add_root_hub(UMockdevTestbed* tb, const std::string& root) {
    const std::string sp =
        add_device(tb, "usb1", nullptr,
                   with_common_attributes({"busnum",
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
                                           "bNumInterfaces",
                                           " 1",
                                           "bmAttributes",
                                           "e0",
                                           "maxchild",
                                           "8",
                                           "manufacturer",
                                           "Linux photon-emu ehci_hcd",
                                           "product",
                                           "EHCI Host Controller",
                                           "serial",
                                           "0000:00:1d.0",
                                           "dev",
                                           "189:0"}),
                   {"DEVTYPE", "usb_device", "DEVNAME", "/dev/bus/usb/001/001", "BUSNUM", "001", "DEVNUM", "001",
                    "MAJOR", "189", "MINOR", "0", "PRODUCT", "1d6b/2/601", "TYPE", "9/0/1"},
                   root_hub_descriptors());
    g_mkdir_with_parents((root + "/dev/bus/usb/001").c_str(), 0755);
    write_file(root + "/dev/bus/usb/001/001", "");
    return sp;
}

// A string attribute as the Linux kernel writes it (drivers/usb/core/sysfs.c, usb_string() in
// message.c): the string descriptor's UTF-16 units as UTF-8, followed by a newline. The emulated
// descriptors hold one byte per unit (string_descriptor), at most 126 of them.
static std::string kernel_string_attribute(const std::string& s) {
    std::string out;
    for (const char c : s.substr(0, 126)) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
            out += c;
        } else {
            out += static_cast<char>(0xC0 | (b >> 6));
            out += static_cast<char>(0x80 | (b & 0x3F));
        }
    }
    return out + "\n";
}

std::string add_unit_device(UMockdevTestbed* tb, const std::string& root, const std::string& hub_syspath, unsigned port,
                            unsigned devnum, const DeviceModel& m) {
    const std::string devnode = usb_devnode(devnum);
    const std::string pid = hex4(m.product_id());
    const std::string serial = m.usb_serial();
    const bool dfu = m.dfu_mode();
    const std::string product_prop = "2b04/" + short_hex(m.product_id()) + "/" + short_hex(m.bcd_device());
    write_file(root + devnode, "");
    return add_device(tb, "1-" + std::to_string(port), hub_syspath.c_str(),
                      with_common_attributes({"busnum",
                                              "1",
                                              "devnum",
                                              std::to_string(devnum),
                                              "devpath",
                                              std::to_string(port),
                                              "speed",
                                              "12",
                                              "idVendor",
                                              "2b04",
                                              "idProduct",
                                              pid,
                                              "bcdDevice",
                                              hex4(m.bcd_device()),
                                              "bDeviceClass",
                                              dfu ? "00" : "ef",
                                              "bNumInterfaces",
                                              " " + std::to_string(m.interface_count()),
                                              "bmAttributes",
                                              "c0",
                                              "bMaxPower",
                                              "100mA",
                                              "maxchild",
                                              "0",
                                              "manufacturer",
                                              "Particle\n",
                                              "product",
                                              kernel_string_attribute(m.product_string()),
                                              "serial",
                                              kernel_string_attribute(serial),
                                              "dev",
                                              "189:" + std::to_string(devnum - 1)}),
                      {"DEVTYPE",         "usb_device", "DEVNAME",     devnode,
                       "BUSNUM",          "001",        "DEVNUM",      three_digits(devnum),
                       "MAJOR",           "189",        "MINOR",       std::to_string(devnum - 1),
                       "PRODUCT",         product_prop, "TYPE",        dfu ? "0/0/0" : "239/2/1",
                       "ID_VENDOR_ID",    "2b04",       "ID_MODEL_ID", pid,
                       "ID_SERIAL_SHORT", serial},
                      m.sysfs_descriptors());
}

} // namespace photon_emu::detail
