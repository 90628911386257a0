// photon_dct_usb + photon_dct_dfu through the real libusb, talking to the umockdev-emulated
// Particle bootloader (tests/emu). The emulator must exist before libusb is initialised, so each
// test creates the Emulator first and the UsbContext second.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "photon_dct/dfu/session.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/usb/usb.hpp"
#include "catch_error.hpp"
#include "photon_emu.hpp"

using namespace photon_dct;
using photon_dct::dfu::DfuseSession;
using photon_dct::dfu::SessionOptions;
using photon_dct::usb::UsbContext;
using photon_dct::usb::UsbDevice;
using test_support::catch_error;

namespace {

const std::string kAlt0 = "@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg";
const std::string kAlt1 = "@DCT Flash   /0x00000000/01*016Kg";
const std::string kAlt1Gen3 = "@DCT Flash   /0x00000000/1*016Ke";
const std::string kAlt2P1 = "@Serial Flash   /0x00000000/256*004Kg";

std::vector<std::uint8_t> sample_dct() {
    std::vector<std::uint8_t> d(16384);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>((i * 31 + 7) ^ (i >> 8));
    return d;
}

photon_emu::DeviceConfig photon(std::string serial = "3a0036000247363333343435") {
    photon_emu::DeviceConfig c;
    c.platform = photon_emu::Platform::Photon;
    c.serial = std::move(serial);
    c.dct = sample_dct();
    c.poll_timeout_ms = 20; // keep the write waits short
    return c;
}

unsigned count_data_downloads(const std::vector<photon_emu::TranscriptEntry>& t) {
    return static_cast<unsigned>(std::count_if(t.begin(), t.end(), [](const auto& e) {
        return e.request_type == 0x21 && e.request == 1 && e.value >= 2 && e.length > 0;
    }));
}

unsigned count_erases(const std::vector<photon_emu::TranscriptEntry>& t) {
    return static_cast<unsigned>(std::count_if(t.begin(), t.end(), [](const auto& e) {
        return e.request_type == 0x21 && e.request == 1 && e.value == 0 && !e.data.empty() && e.data[0] == 0x41;
    }));
}

// Options for an emulated Photon bootloader, its quirks from the quirk table.
SessionOptions quick_options() {
    SessionOptions o;
    o.timeout = std::chrono::milliseconds(2000);
    o.platform_id = quirks::kPhoton;
    o.quirks = quirks::QuirkSet({quirks::kPhoton, true, 0x0250, "3a0036000247363333343435"});
    return o;
}

// The one emulated unit's DFU interface, opened through libusb.
std::unique_ptr<photon_dct::dfu::ControlTransport> open_the_unit(UsbContext& usb) {
    const auto devices = usb.enumerate(0x2b04);
    EXPECT_EQ(devices.size(), 1u);
    return usb.open(devices.at(0));
}

// One emulated unit and a DfuseSession on its "DCT Flash" alt. The emulator must exist before
// libusb is initialised: the members are built in this order.
struct DctSession {
    explicit DctSession(photon_emu::DeviceConfig config = photon(), SessionOptions options = quick_options())
        : emu({std::move(config)}), transport(open_the_unit(usb)), s(*transport, std::move(options)) {
        s.select_alt("DCT Flash");
    }

    photon_emu::Emulator emu;
    UsbContext usb;
    std::unique_ptr<photon_dct::dfu::ControlTransport> transport;
    DfuseSession s;
};

photon_emu::DeviceConfig photon_with_faults(const char* spec) {
    photon_emu::DeviceConfig c = photon();
    c.faults = photon_emu::parse_faults(spec);
    return c;
}
} // namespace

TEST(UsbEnumerate, PhotonInDfuMode) {
    photon_emu::Emulator emu({photon()});
    UsbContext usb;
    const auto devices = usb.enumerate(0x2b04, UsbContext::AltNames::Read);
    ASSERT_EQ(devices.size(), 1u);
    const UsbDevice& d = devices[0];
    EXPECT_EQ(d.vendor_id, 0x2b04);
    EXPECT_EQ(d.product_id, 0xd006);
    EXPECT_EQ(d.bcd_device, 0x0250);
    EXPECT_EQ(d.platform, &dct::platform(dct::PlatformId::Photon));
    EXPECT_TRUE(d.dfu_mode());
    EXPECT_EQ(d.id, usb::unit_id_for("3a0036000247363333343435", "1-1"));
    EXPECT_EQ(d.port_path, "1-1");
    EXPECT_EQ(d.serial, "3a0036000247363333343435");
    EXPECT_TRUE(d.has_dfu_interface);
    EXPECT_EQ(d.alt_names, (std::vector<std::string>{kAlt0, kAlt1}));
    EXPECT_TRUE(d.access_problem.empty()) << d.access_problem;
    EXPECT_FALSE(d.product.empty());
    // Another vendor id finds nothing.
    EXPECT_TRUE(usb.enumerate(0x1d50).empty());
    // A command's enumeration leaves the alt names to its session: no request reaches the unit
    // (the serial and product strings are the kernel's copies).
    const auto before = emu.transcript(0).size();
    const auto skipped = usb.enumerate(0x2b04);
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_TRUE(skipped[0].alt_names.empty());
    EXPECT_TRUE(skipped[0].has_dfu_interface);
    EXPECT_EQ(emu.transcript(0).size(), before);
}

TEST(UsbEnumerate, SeveralDevicesIncludingANormalModeUnit) {
    photon_emu::DeviceConfig p1 = photon("3B0021001747353236343033");
    p1.platform = photon_emu::Platform::P1;
    photon_emu::DeviceConfig electron_app = photon("00000000010C");
    electron_app.platform = photon_emu::Platform::Electron;
    electron_app.dfu_mode = false;
    photon_emu::DeviceConfig gen3 = photon("e00fce68aabbccddeeff0011");
    gen3.gen3_dct_string = true;
    photon_emu::Emulator emu({photon(), p1, electron_app, gen3});
    UsbContext usb;
    const auto devices = usb.enumerate(0x2b04, UsbContext::AltNames::Read);
    ASSERT_EQ(devices.size(), 4u);

    EXPECT_EQ(devices[0].port_path, "1-1");
    EXPECT_EQ(devices[0].product_id, 0xd006);
    EXPECT_EQ(devices[0].alt_names.size(), 2u);

    EXPECT_EQ(devices[1].port_path, "1-2");
    EXPECT_EQ(devices[1].product_id, 0xd008);
    EXPECT_EQ(devices[1].serial, "3B0021001747353236343033");
    EXPECT_EQ(devices[1].alt_names, (std::vector<std::string>{kAlt0, kAlt1, kAlt2P1}));

    EXPECT_EQ(devices[2].port_path, "1-3");
    EXPECT_EQ(devices[2].product_id, 0xc00a);
    EXPECT_FALSE(devices[2].has_dfu_interface);
    EXPECT_TRUE(devices[2].alt_names.empty());

    EXPECT_EQ(devices[3].port_path, "1-4");
    EXPECT_EQ(devices[3].alt_names, (std::vector<std::string>{kAlt0, kAlt1Gen3}));
    // No device ID in the old bootloader's serial: the unit is known by its port path.
    EXPECT_EQ(devices[2].id.kind, usb::UnitId::Kind::PortPath);
    EXPECT_EQ(devices[2].id.value, "1-3");
}

TEST(UsbSession, Upload16KiBEqualsTheEmulatedDct) {
    DctSession u;
    EXPECT_EQ(u.s.alt_names(), (std::vector<std::string>{kAlt0, kAlt1}));
    EXPECT_EQ(u.s.transfer_size(), 4096);
    const Bytes got = u.s.upload(0, 16384);
    EXPECT_EQ(got, u.emu.dct(0));
    EXPECT_EQ(u.s.counters().uploads, 4u);
    EXPECT_EQ(count_erases(u.emu.transcript(0)), 0u);

    // The DFU class requests on the wire are dfu-util's for -a 1 -s 0:16384 -U without the
    // GETSTATUS after each ABORT (docs/dfu-protocol.md §3.4).
    std::vector<std::string> wire;
    for (const auto& e : u.emu.transcript(0)) {
        if (e.request_type != 0x21 && e.request_type != 0xA1) continue;
        std::string line = e.name + " " + std::to_string(e.value) + " " + std::to_string(e.length);
        if (e.request_type == 0x21 && !e.data.empty()) line += " " + photon_emu::to_hex(e.data);
        wire.push_back(line);
    }
    const std::vector<std::string> expected = {
        "GETSTATUS 0 6", "DNLOAD 0 5 2100000000", "GETSTATUS 0 6", "GETSTATUS 0 6", "ABORT 0 0",
        "UPLOAD 2 4096", "UPLOAD 3 4096",         "UPLOAD 4 4096", "UPLOAD 5 4096", "ABORT 0 0"};
    EXPECT_EQ(wire, expected);
}

TEST(UsbSession, Download512BytesAt2082ChangesExactlyThoseBytes) {
    DctSession u;
    const std::vector<std::uint8_t> before = u.emu.dct(0);
    Bytes block(512);
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::uint8_t>(0xA5 ^ i);
    u.s.download(2082, block);

    std::vector<std::uint8_t> expected = before;
    std::copy(block.begin(), block.end(), expected.begin() + 2082);
    const std::vector<std::uint8_t> after = u.emu.dct(0);
    EXPECT_EQ(after, expected);
    const auto transcript = u.emu.transcript(0);
    EXPECT_EQ(count_data_downloads(transcript), 1u);
    EXPECT_EQ(count_erases(transcript), 0u);
    EXPECT_EQ(u.s.counters().data_downloads, 1u);
    EXPECT_EQ(u.s.counters().erase_commands, 0u);
    // Read back through the same session.
    EXPECT_EQ(u.s.upload(2082, 512), block);
}

TEST(UsbSession, TheWritePollTimeoutIsReallyWaitedFor) {
    photon_emu::DeviceConfig c = photon();
    c.poll_timeout_ms = 100;
    std::vector<std::chrono::milliseconds> waits;
    SessionOptions o = quick_options();
    o.sleep = [&](std::chrono::milliseconds d) {
        waits.push_back(d);
        std::this_thread::sleep_for(d);
    };
    DctSession u(c, o);
    const auto start = std::chrono::steady_clock::now();
    u.s.download(100, Bytes(32, 0x11));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, std::chrono::milliseconds(100));
    EXPECT_NE(std::find(waits.begin(), waits.end(), std::chrono::milliseconds(100)), waits.end());
}

TEST(UsbSession, LeaveMakesTheDeviceVanishWithoutAnError) {
    DctSession u;
    EXPECT_NO_THROW(u.s.leave(0x08020000));
    EXPECT_TRUE(u.emu.disconnected(0));
}

TEST(UsbSession, Gen3DctStringIsSelectedByName) {
    photon_emu::DeviceConfig c = photon();
    c.gen3_dct_string = true;
    DctSession u(c);
    EXPECT_FALSE(u.s.layout().segments.at(0).erasable());
    EXPECT_EQ(u.s.upload(0, 16384), u.emu.dct(0));
}

// The stall arrives through libusb as LIBUSB_ERROR_PIPE; the error then carries what the emulated
// bootloader said in the first GETSTATUS of the recovery.
TEST(UsbSession, StallIsMappedToDfuProtocolAndTheSessionRecovers) {
    DctSession u(photon_with_faults("stall:dnload-data:1"));
    const Bytes block(64, 0x42);
    const Error e = catch_error([&] { u.s.download(2082, block); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("stall"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[dfuERROR, errSTALLEDPKT]"), std::string::npos) << e.what();
    EXPECT_NO_THROW(u.s.download(2082, block));
    const auto dct = u.emu.dct(0);
    EXPECT_TRUE(std::equal(block.begin(), block.end(), dct.begin() + 2082));
}

TEST(UsbSession, TimeoutIsUsbIo) {
    SessionOptions o;
    o.timeout = std::chrono::milliseconds(200);
    DctSession u(photon_with_faults("timeout:upload:1"), o);
    const Error e = catch_error([&] { u.s.upload(0, 4096); });
    EXPECT_EQ(e.kind(), ErrorKind::UsbIo);
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
    // The next operation recovers and reads correctly.
    const std::vector<std::uint8_t> dct = u.emu.dct(0);
    EXPECT_EQ(u.s.upload(0, 4096), Bytes(dct.begin(), dct.begin() + 4096));
}

TEST(UsbSession, DisconnectIsUsbIo) {
    DctSession u(photon_with_faults("disconnect:upload:1"));
    const Error e = catch_error([&] { u.s.upload(0, 4096); });
    EXPECT_EQ(e.kind(), ErrorKind::UsbIo);
}

TEST(UsbSession, NormalModeDeviceIsNotInDfuMode) {
    photon_emu::DeviceConfig c = photon();
    c.dfu_mode = false;
    photon_emu::Emulator emu({c});
    UsbContext usb;
    auto devices = usb.enumerate(0x2b04);
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0].product_id, 0xc006);
    auto transport = usb.open(devices[0]);
    const Error e = catch_error([&] { DfuseSession s(*transport, quick_options()); });
    EXPECT_EQ(e.kind(), ErrorKind::DeviceNotInDfuMode);
}

// A bootloader that cannot read the DCT stalls every write (docs/dfu-protocol.md §5); the emulator
// then reports errWRITE, which the error carries.
TEST(UsbSession, UnreadableDctReadsZerosAndRefusesWrites) {
    photon_emu::DeviceConfig c = photon();
    c.unreadable_dct = true;
    DctSession u(c);
    EXPECT_EQ(u.s.upload(0, 16384), Bytes(16384, 0));
    const Error e = catch_error([&] { u.s.download(2082, Bytes(16, 1)); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("stall"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[dfuERROR, errWRITE]"), std::string::npos) << e.what();
    EXPECT_EQ(count_erases(u.emu.transcript(0)), 0u);
}

TEST(UsbSession, OpenAfterTheDeviceVanishedIsNoDevice) {
    photon_emu::Emulator emu({photon()});
    UsbContext usb;
    const auto devices = usb.enumerate(0x2b04);
    ASSERT_EQ(devices.size(), 1u);
    // Reopening by identity enumerates again and matches the device ID, not the bus address.
    EXPECT_NO_THROW(usb.open(devices[0].id));
    EXPECT_EQ(catch_error([&] { usb.open(usb::unit_id_for("ffffffffffffffffffffffff", "1-1")); }).kind(),
              ErrorKind::NoDevice);
    EXPECT_EQ(catch_error([&] { usb.open(usb::unit_id_for(std::nullopt, "1-7")); }).kind(), ErrorKind::NoDevice);
    // The unit leaves DFU mode and resets: gone from the bus, by identity too.
    {
        auto transport = usb.open(devices[0]);
        DfuseSession s(*transport, quick_options());
        s.select_alt("DCT Flash");
        s.leave(0);
    }
    ASSERT_TRUE(emu.disconnected(0));
    // The emulator takes the unit out of sysfs on its scheduler thread a moment after it stopped
    // answering, as the kernel does after a disconnect; enumeration reads the serial from sysfs.
    for (int i = 0; i < 100 && !usb.enumerate(0x2b04).empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(catch_error([&] { usb.open(devices[0].id); }).kind(), ErrorKind::NoDevice);
}

TEST(UsbSession, ReopenByPortPathWhenTheSerialHoldsNoDeviceId) {
    photon_emu::Emulator emu({photon("3a0036000247363333343435"), photon("00000000010C")});
    UsbContext usb;
    auto transport = usb.open(usb::unit_id_for(std::nullopt, "1-2"));
    DfuseSession s(*transport, quick_options());
    s.select_alt("DCT Flash");
    const auto dct = emu.dct(1);
    EXPECT_EQ(s.upload(0, 16), Bytes(dct.begin(), dct.begin() + 16));
    // The unit at 1-1 saw enumeration's descriptor reads only, no DFU request.
    for (const auto& e : emu.transcript(0)) EXPECT_EQ(e.request_type & 0x60, 0) << e.name;
}

// wait_for_arrival ends on libusb's hotplug event when a unit is plugged in (the emulator sends the
// kernel's "add" uevent), long before its limit; no timing is asserted, only which event ended it.
namespace {
// The GET_DESCRIPTOR(STRING) requests of a transcript: (string index, language), in order.
std::vector<std::pair<unsigned, unsigned>> string_requests(const std::vector<photon_emu::TranscriptEntry>& t) {
    std::vector<std::pair<unsigned, unsigned>> out;
    for (const auto& e : t)
        if (e.name == "GET_DESCRIPTOR" && (e.value >> 8) == 3) out.emplace_back(e.value & 0xffu, e.index);
    return out;
}
} // namespace

TEST(UsbStrings, TheBootloaderIsAskedInItsLanguageWithoutReadingString0) {
    photon_emu::Emulator emu({photon()});
    UsbContext usb;
    const auto devices = usb.enumerate(0x2b04, UsbContext::AltNames::Read);
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0].alt_names, (std::vector<std::string>{kAlt0, kAlt1}));
    const std::vector<std::pair<unsigned, unsigned>> expected = {{6, 0x0409}, {7, 0x0409}};
    EXPECT_EQ(string_requests(emu.transcript(0)), expected);
}

TEST(UsbStrings, ADeviceInAnotherLanguageIsAskedForItsLanguagesOnce) {
    photon_emu::DeviceConfig german = photon();
    german.only_language = 0x0407; // stalls a string asked for in any other language
    photon_emu::Emulator emu({german});
    UsbContext usb;
    const auto devices = usb.enumerate(0x2b04, UsbContext::AltNames::Read);
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0].alt_names, (std::vector<std::string>{kAlt0, kAlt1}));
    const std::vector<std::pair<unsigned, unsigned>> expected = {{6, 0x0409}, {0, 0}, {6, 0x0407}, {7, 0x0407}};
    EXPECT_EQ(string_requests(emu.transcript(0)), expected);
}

TEST(UsbWait, ArrivalEndsTheWait) {
    photon_emu::DeviceConfig later = photon();
    later.arrive_after_ms = 300;
    photon_emu::Emulator emu({later});
    UsbContext usb;
    ASSERT_TRUE(usb.enumerate(0x2b04).empty());
    bool arrived = false;
    for (int i = 0; i < 10 && !arrived; ++i) arrived = usb.wait_for_arrival(std::chrono::seconds(30));
    EXPECT_TRUE(arrived) << "ten 30 s waits ended without an arrival";
    EXPECT_EQ(usb.enumerate(0x2b04).size(), 1u);
}

// wake() ends every wait in progress, on any thread, and one waiter's news is not another's loss.
TEST(UsbWait, WakeEndsEveryWait) {
    photon_emu::Emulator emu({photon()});
    UsbContext usb;
    std::atomic<int> woken{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 3; ++i)
        waiters.emplace_back([&] {
            if (usb.wait_for_arrival(std::chrono::seconds(60))) ++woken;
        });
    // Wake until all three have returned: a wake that comes before a waiter started is not its news.
    for (int i = 0; i < 600 && woken < 3; ++i) {
        usb.wake();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (auto& t : waiters) t.join();
    EXPECT_EQ(woken, 3);
    // With no wake and no arrival, a wait runs to its limit and says so.
    EXPECT_FALSE(usb.wait_for_arrival(std::chrono::milliseconds(50)));
}
