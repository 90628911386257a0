// Shared by the ops tests: temp dirs, file helpers and a FileStore that counts (and can spoil) writes.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "photon_dct/error.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/usb/unit.hpp"
#include "test_support.hpp"

namespace ops_test {

namespace fs = std::filesystem;
using photon_dct::Bytes;
using photon_dct::ByteView;

inline const fs::path kPhotonImage = fs::path(PHOTON_DCT_TEST_DATA) / "field-failure-photon-0.6.3.dct";

using test_support::TempDir;

inline Bytes read_all(const fs::path& p) { return test_support::read_bytes(p); }
inline void write_all(const fs::path& p, const Bytes& b) { test_support::write_bytes(p, b); }
inline void fill(Bytes& b, std::size_t offset, std::size_t size, std::uint8_t v) {
    std::fill(b.begin() + static_cast<std::ptrdiff_t>(offset), b.begin() + static_cast<std::ptrdiff_t>(offset + size),
              v);
}

inline const photon_dct::dct::Platform& photon() {
    return photon_dct::dct::platform(photon_dct::dct::PlatformId::Photon);
}
inline const photon_dct::dct::Platform& electron() {
    return photon_dct::dct::platform(photon_dct::dct::PlatformId::Electron);
}

// A USB device as enumeration describes it: a Particle unit in DFU or normal mode at `path`, its
// device ID (and so its UnitId) taken from the serial the way enumeration takes it.
inline photon_dct::usb::UsbDevice usb_unit(const char* serial, const char* path, bool dfu = true,
                                           photon_dct::dct::PlatformId id = photon_dct::dct::PlatformId::Photon) {
    photon_dct::usb::UsbDevice e;
    e.platform = &photon_dct::dct::platform(id);
    e.serial = serial;
    e.port_path = path;
    e.vendor_id = 0x2b04;
    e.product_id = dfu ? e.platform->dfu_product_id : e.platform->normal_product_id;
    e.device_id = photon_dct::usb::device_id_from_serial(serial);
    e.id = photon_dct::usb::unit_id_for(e.device_id, path);
    return e;
}

// A FileStore that counts writes and leaves, and can fail or corrupt its write.
class CountingStore final : public photon_dct::ops::DctStore {
public:
    enum class Fault { None, ThrowOnWrite, CorruptOnWrite };
    CountingStore(fs::path path, const photon_dct::dct::Platform& platform, Fault fault = Fault::None)
        : file_(std::move(path), platform), fault_(fault) {}
    const photon_dct::dct::Platform& platform() const override { return file_.platform(); }
    std::string description() const override { return file_.description(); }
    std::vector<photon_dct::dct::CommandArgument> selector_arguments() const override {
        return file_.selector_arguments();
    }
    Bytes read_window() override { return file_.read_window(); }
    void prepare_write(std::uint32_t) override { ++prepares; }
    void write(std::uint32_t offset, ByteView bytes) override {
        ++writes;
        if (before_write) before_write();
        if (fault_ == Fault::ThrowOnWrite)
            throw photon_dct::Error(photon_dct::ErrorKind::UsbIo, "simulated transfer failure");
        Bytes copy(bytes.begin(), bytes.end());
        if (fault_ == Fault::CorruptOnWrite) copy.back() ^= 0x01;
        file_.write(offset, copy);
    }
    fs::path default_backup_path(const Bytes& w) const override { return file_.default_backup_path(w); }
    bool leave() override {
        ++leaves;
        return true;
    }
    std::optional<std::string> usb_device_id() const override { return usb_id; }

    int writes = 0;
    int prepares = 0;
    int leaves = 0;
    std::function<void()> before_write; // runs when write() is called, before any byte is written
    std::optional<std::string> usb_id;

private:
    photon_dct::ops::FileStore file_;
    Fault fault_;
};

} // namespace ops_test
