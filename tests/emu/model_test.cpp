// Unit tests of the DfuSe device model (no umockdev, no processes).
#include "photon_emu_model.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using photon_emu::DeviceConfig;
using photon_emu::Fault;
using photon_emu::FaultKind;
using photon_emu::Platform;
using photon_emu::RequestClass;
using namespace photon_emu::detail;

namespace {

using Bytes = std::vector<std::uint8_t>;

class Host {
public:
    explicit Host(DeviceConfig cfg = {}) : m(std::move(cfg), 0) {}

    Response out(std::uint8_t req, std::uint16_t value, const Bytes& data = {}) {
        Setup s{0x21, req, value, 0, static_cast<std::uint16_t>(data.size())};
        return m.control(s, data);
    }
    Response in(std::uint8_t req, std::uint16_t value, std::uint16_t len) {
        Setup s{0xA1, req, value, 0, len};
        return m.control(s, {});
    }
    Bytes status() {
        auto r = in(3, 0, 6);
        EXPECT_EQ(r.outcome, Outcome::Ok);
        return r.in;
    }
    // The state a GETSTATUS reports.
    DfuState state() { return static_cast<DfuState>(status().at(4)); }
    // A GETSTATUS reports `st` in `state`.
    void expect_status(DfuStatus st, DfuState state) {
        const Bytes reply = status();
        ASSERT_EQ(reply.size(), 6u);
        EXPECT_EQ(static_cast<DfuStatus>(reply[0]), st);
        EXPECT_EQ(static_cast<DfuState>(reply[4]), state);
    }
    // DfuSe special command: DNLOAD block 0 + the two GETSTATUS polls.
    void command(const Bytes& cmd) {
        ASSERT_EQ(out(1, 0, cmd).outcome, Outcome::Ok);
        EXPECT_EQ(state(), dfuDNBUSY);
        EXPECT_EQ(state(), dfuDNLOAD_IDLE);
    }
    static Bytes addr_cmd(std::uint8_t op, std::uint32_t a) {
        return {op, static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a >> 16),
                static_cast<std::uint8_t>(a >> 24)};
    }
    void alt(unsigned a) { ASSERT_TRUE(m.set_interface(0, a)); }
    Response get_descriptor(std::uint16_t value, std::uint16_t len, std::uint16_t index = 0) {
        Setup s{0x80, 6, value, index, len};
        return m.control(s, {});
    }

    DeviceModel m;
};

// A host that selected the DCT alt (1) and set the address pointer, where every DCT read and
// write starts.
struct DctHost : Host {
    explicit DctHost(DeviceConfig cfg = {}, std::uint32_t address = 0) : Host(std::move(cfg)) {
        alt(1);
        command(addr_cmd(0x21, address));
    }
};

// A unit with one injected fault.
DeviceConfig with_fault(FaultKind kind, RequestClass on, unsigned nth) {
    DeviceConfig cfg;
    cfg.faults = {Fault{kind, on, nth}};
    return cfg;
}

std::string utf16_string(const Bytes& d) {
    std::string s;
    for (std::size_t i = 2; i + 1 < d.size(); i += 2) s.push_back(static_cast<char>(d[i]));
    return s;
}

TEST(Model, PhotonDeviceDescriptorIsExact) {
    Host h;
    const Bytes expected = {18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x04, 0x2b, 0x06, 0xd0, 0x50, 0x02, 1, 2, 3, 1};
    EXPECT_EQ(h.m.device_descriptor(), expected);
    auto r = h.get_descriptor(0x0100, 18);
    ASSERT_EQ(r.outcome, Outcome::Ok);
    EXPECT_EQ(r.in, expected);
}

TEST(Model, PhotonConfigDescriptorHasTwoAltsAndFunctionalDescriptorLast) {
    Host h;
    const Bytes& c = h.m.config_descriptor();
    ASSERT_EQ(c.size(), 36u);
    EXPECT_EQ(c[2] | (c[3] << 8), 36);
    EXPECT_EQ(c[7], 0xC0); // bmAttributes
    EXPECT_EQ(c[8], 0x32); // MaxPower
    for (unsigned alt = 0; alt < 2; ++alt) {
        const std::size_t o = 9 + 9 * alt;
        EXPECT_EQ(c[o + 1], 0x04);
        EXPECT_EQ(c[o + 3], alt);
        EXPECT_EQ(c[o + 5], 0xFE);
        EXPECT_EQ(c[o + 6], 0x01);
        EXPECT_EQ(c[o + 7], 0x02);
        EXPECT_EQ(c[o + 8], 6 + alt); // iInterface (ST numbering)
    }
    const Bytes fd(c.end() - 9, c.end());
    EXPECT_EQ(fd, (Bytes{0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x10, 0x1A, 0x01}));
    // Truncated reads of the configuration descriptor (wLength 9) work like on the device.
    EXPECT_EQ(h.get_descriptor(0x0200, 9).in.size(), 9u);
}

TEST(Model, P1HasSerialFlashAltAndElectronDoesNot) {
    DeviceConfig p1;
    p1.platform = Platform::P1;
    Host h(p1);
    EXPECT_EQ(h.m.config_descriptor().size(), 45u);
    EXPECT_EQ(h.m.device_descriptor()[10], 0x08);
    EXPECT_EQ(utf16_string(h.get_descriptor(0x0308, 255, 0x0409).in), "@Serial Flash   /0x00000000/256*004Kg");
    EXPECT_EQ(utf16_string(h.get_descriptor(0x0302, 255, 0x0409).in), "P1 DFU Mode");
    DeviceConfig el;
    el.platform = Platform::Electron;
    Host e(el);
    EXPECT_EQ(e.m.config_descriptor().size(), 36u);
    EXPECT_EQ(e.m.device_descriptor()[10], 0x0a);
    EXPECT_EQ(utf16_string(e.get_descriptor(0x0302, 255, 0x0409).in), "Electron DFU Mode");
    EXPECT_EQ(e.get_descriptor(0x0308, 255, 0x0409).outcome, Outcome::Stall);
}

TEST(Model, StringDescriptors) {
    DeviceConfig cfg;
    cfg.serial = "3B0021001747353236343033";
    Host h(cfg);
    EXPECT_EQ(h.get_descriptor(0x0300, 255).in, (Bytes{4, 3, 0x09, 0x04}));
    EXPECT_EQ(utf16_string(h.get_descriptor(0x0301, 255, 0x0409).in), "Particle");
    EXPECT_EQ(utf16_string(h.get_descriptor(0x0302, 255, 0x0409).in), "Photon DFU Mode");
    EXPECT_EQ(utf16_string(h.get_descriptor(0x0303, 255, 0x0409).in), "3B0021001747353236343033");
    EXPECT_EQ(utf16_string(h.get_descriptor(0x0306, 255, 0x0409).in),
              "@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg");
    EXPECT_EQ(utf16_string(h.get_descriptor(0x0307, 255, 0x0409).in), "@DCT Flash   /0x00000000/01*016Kg");
    DeviceConfig g3;
    g3.gen3_dct_string = true;
    Host g(g3);
    EXPECT_EQ(utf16_string(g.get_descriptor(0x0307, 255, 0x0409).in), "@DCT Flash   /0x00000000/1*016Ke");
}

TEST(Model, NormalModeIsCdcWithoutDfuInterface) {
    DeviceConfig cfg;
    cfg.dfu_mode = false;
    Host h(cfg);
    EXPECT_EQ(h.m.product_id(), 0xc006);
    const Bytes& c = h.m.config_descriptor();
    bool has_dfu = false, has_cdc = false;
    for (std::size_t i = 0; i + 1 < c.size(); i += c[i]) {
        if (c[i + 1] == 0x04 && c[i + 5] == 0xFE) has_dfu = true;
        if (c[i + 1] == 0x04 && c[i + 5] == 0x02) has_cdc = true;
    }
    EXPECT_FALSE(has_dfu);
    EXPECT_TRUE(has_cdc);
    EXPECT_EQ(h.in(3, 0, 6).outcome, Outcome::Stall); // no DFU class requests
    EXPECT_EQ(utf16_string(h.get_descriptor(0x0302, 255, 0x0409).in), "Photon");
}

TEST(Model, GetCommandsAndBlockOneStall) {
    Host h;
    auto r = h.in(2, 0, 4096);
    ASSERT_EQ(r.outcome, Outcome::Ok);
    EXPECT_EQ(r.in, (Bytes{0x00, 0x21, 0x41}));
    EXPECT_EQ(h.in(2, 1, 64).outcome, Outcome::Stall);
    h.expect_status(errSTALLEDPKT, dfuERROR);
    EXPECT_EQ(h.out(6, 0).outcome, Outcome::Ok); // ABORT is ignored in dfuERROR
    EXPECT_EQ(h.state(), dfuERROR);
    EXPECT_EQ(h.out(4, 0).outcome, Outcome::Ok); // CLRSTATUS recovers
    h.expect_status(OK, dfuIDLE);
}

TEST(Model, ClrStatusOutsideErrorIsAnError) {
    Host h;
    ASSERT_EQ(h.out(4, 0).outcome, Outcome::Ok);
    h.expect_status(errUNKNOWN, dfuERROR);
}

TEST(Model, SetAddressThenUploadReadsTheDct) {
    DeviceConfig cfg;
    cfg.dct.resize(kDctSize);
    for (std::size_t i = 0; i < cfg.dct.size(); ++i) cfg.dct[i] = static_cast<std::uint8_t>(i * 7 + 3);
    const Bytes dct = cfg.dct;
    DctHost h(cfg, 0x100);
    EXPECT_EQ(h.out(6, 0).outcome, Outcome::Ok);
    EXPECT_EQ(h.state(), dfuIDLE);
    auto r = h.in(2, 3, 4096); // block 3 = pointer + 4096
    ASSERT_EQ(r.outcome, Outcome::Ok);
    EXPECT_EQ(r.in, Bytes(dct.begin() + 0x1100, dct.begin() + 0x2100));
    // Near the end: wLength bytes, zeros past 16384.
    h.out(6, 0);
    h.command(Host::addr_cmd(0x21, 0x3F00));
    h.out(6, 0);
    r = h.in(2, 2, 512);
    ASSERT_EQ(r.in.size(), 512u);
    EXPECT_EQ(Bytes(r.in.begin(), r.in.begin() + 256), Bytes(dct.end() - 256, dct.end()));
    EXPECT_EQ(Bytes(r.in.begin() + 256, r.in.end()), Bytes(256, 0));
    // At or above 0x4000: zero-filled buffer, no error.
    r = h.in(2, 3, 4096);
    EXPECT_EQ(r.outcome, Outcome::Ok);
    EXPECT_EQ(r.in, Bytes(4096, 0));
}

TEST(Model, UploadWithoutSetAddressOnDctReadsZeros) {
    DeviceConfig cfg;
    cfg.dct.assign(kDctSize, 0x5A);
    Host h(cfg);
    h.alt(1);
    auto r = h.in(2, 2, 4096); // pointer is 0x08020000
    ASSERT_EQ(r.outcome, Outcome::Ok);
    EXPECT_EQ(r.in, Bytes(4096, 0));
}

TEST(Model, DctWritePreservesOtherBytesAndEraseIsIgnored) {
    DeviceConfig cfg;
    cfg.dct.assign(kDctSize, 0x11);
    cfg.poll_timeout_ms = 500;
    Host h(cfg);
    h.alt(1);
    h.command(Host::addr_cmd(0x41, 0)); // erase: accepted, ignored
    EXPECT_EQ(h.m.dct(), Bytes(kDctSize, 0x11));
    h.command(Host::addr_cmd(0x21, 2082));
    const Bytes block = {1, 2, 3, 4, 5};
    ASSERT_EQ(h.out(1, 2, block).outcome, Outcome::Ok);
    auto busy = h.status();
    EXPECT_EQ(static_cast<DfuState>(busy[4]), dfuDNBUSY);
    EXPECT_EQ(busy[1] | (busy[2] << 8) | (busy[3] << 16), 500); // bwPollTimeout after a data write
    EXPECT_EQ(h.state(), dfuDNLOAD_IDLE);
    Bytes expected(kDctSize, 0x11);
    std::copy(block.begin(), block.end(), expected.begin() + 2082);
    EXPECT_EQ(h.m.dct(), expected);
}

TEST(Model, CommandPollTimeoutIsOneMs) {
    Host h;
    ASSERT_EQ(h.out(1, 0, Host::addr_cmd(0x21, 0)).outcome, Outcome::Ok);
    auto st = h.status();
    EXPECT_EQ(static_cast<DfuState>(st[4]), dfuDNBUSY);
    EXPECT_EQ(st[1], 1);
}

TEST(Model, MassEraseAndUnknownCommandsStall) {
    Host h;
    ASSERT_EQ(h.out(1, 0, {0x41}).outcome, Outcome::Ok);
    EXPECT_EQ(h.in(3, 0, 6).outcome, Outcome::Stall);
    EXPECT_EQ(h.state(), dfuERROR);
}

TEST(Model, InternalFlashNeedsErase) {
    Host h;
    h.alt(0);
    h.command(Host::addr_cmd(0x21, 0x080A0000));
    ASSERT_EQ(h.out(1, 2, {0x00, 0x0F}).outcome, Outcome::Ok);
    h.status();
    h.status();
    h.command(Host::addr_cmd(0x21, 0x080A0000));
    ASSERT_EQ(h.out(1, 2, {0xF0, 0xFF}).outcome, Outcome::Ok); // would need 1 bits back: verify error
    h.expect_status(errVERIFY, dfuERROR);
    h.out(4, 0);
    h.command(Host::addr_cmd(0x41, 0x080A0000));
    EXPECT_EQ(h.m.flash()[0xA0000], 0xFF);
    h.command(Host::addr_cmd(0x21, 0x080A0000));
    ASSERT_EQ(h.out(1, 2, {0xF0, 0xFF}).outcome, Outcome::Ok);
    h.status();
    EXPECT_EQ(h.state(), dfuDNLOAD_IDLE);
    EXPECT_EQ(h.m.flash()[0xA0000], 0xF0);
}

TEST(Model, WrongStateAndOversizedRequestsStall) {
    Host h;
    h.alt(1);
    ASSERT_EQ(h.in(2, 0, 3).outcome, Outcome::Ok); // -> dfuUPLOAD_IDLE (wLength <= 3 quirk)
    EXPECT_EQ(h.out(1, 2, {1}).outcome, Outcome::Stall);
    h.expect_status(errSTALLEDPKT, dfuERROR);
    h.out(4, 0);
    EXPECT_EQ(h.in(2, 2, 4097).outcome, Outcome::Stall);
}

TEST(Model, LeaveReportsDnloadIdleThenVanishes) {
    Host h;
    ASSERT_EQ(h.out(1, 2, {}).outcome, Outcome::Ok);
    auto r = h.in(3, 0, 6);
    ASSERT_EQ(r.outcome, Outcome::Ok);
    EXPECT_EQ(static_cast<DfuState>(r.in[4]), dfuDNLOAD_IDLE);
    EXPECT_TRUE(r.vanish_after);
    EXPECT_TRUE(h.m.gone());
    EXPECT_EQ(h.in(3, 0, 6).outcome, Outcome::Disconnect);
}

TEST(Model, UnreadableDctReadsZerosAndWritesStall) {
    DeviceConfig cfg;
    cfg.dct.assign(kDctSize, 0x42);
    cfg.unreadable_dct = true;
    DctHost h(cfg);
    h.out(6, 0);
    EXPECT_EQ(h.in(2, 2, 4096).in, Bytes(4096, 0));
    h.out(6, 0);
    h.command(Host::addr_cmd(0x21, 0));
    ASSERT_EQ(h.out(1, 2, {1, 2, 3}).outcome, Outcome::Ok);
    EXPECT_EQ(h.in(3, 0, 6).outcome, Outcome::Stall);
    h.expect_status(errWRITE, dfuERROR);
    EXPECT_EQ(h.m.dct(), Bytes(kDctSize, 0x42));
}

TEST(Model, FaultStallOnSecondDataDownload) {
    DctHost h(with_fault(FaultKind::Stall, RequestClass::DnloadData, 2));
    ASSERT_EQ(h.out(1, 2, {0xAA}).outcome, Outcome::Ok);
    h.status();
    h.status();
    EXPECT_EQ(h.out(1, 3, {0xBB}).outcome, Outcome::Stall);
    EXPECT_EQ(h.m.dct()[0], 0xAA);
    EXPECT_EQ(h.m.dct()[4096], 0xFF);
    const auto t = h.m.transcript();
    EXPECT_EQ(t.back().result, "stall");
    EXPECT_EQ(t.back().fault, "Stall:DnloadData:2");
}

TEST(Model, FaultErrorReportsErrWriteAndAppliesNothing) {
    DctHost h(with_fault(FaultKind::Error, RequestClass::DnloadData, 1));
    ASSERT_EQ(h.out(1, 2, {0xAA}).outcome, Outcome::Ok);
    h.expect_status(errWRITE, dfuERROR);
    EXPECT_EQ(h.m.dct()[0], 0xFF);
}

TEST(Model, FaultErrorOnCommandReportsErrTarget) {
    DeviceConfig cfg;
    cfg.faults = {Fault{FaultKind::Error, RequestClass::SetAddress, 1}};
    Host h(cfg);
    ASSERT_EQ(h.out(1, 0, Host::addr_cmd(0x21, 0)).outcome, Outcome::Ok);
    h.expect_status(errTARGET, dfuERROR);
}

TEST(Model, FaultShortReadHalvesTheUpload) {
    DeviceConfig cfg;
    cfg.faults = photon_emu::parse_faults("shortread:upload:2");
    DctHost h(cfg);
    h.out(6, 0);
    EXPECT_EQ(h.in(2, 2, 4096).in.size(), 4096u);
    EXPECT_EQ(h.in(2, 3, 4096).in.size(), 2048u);
    EXPECT_EQ(h.in(2, 4, 4096).in.size(), 4096u); // fires once
}

TEST(Model, FaultResetRestoresPowerOnStateAndStalls) {
    DeviceConfig cfg;
    cfg.dct.assign(kDctSize, 0x77);
    cfg.faults = {Fault{FaultKind::Reset, RequestClass::Upload, 1}};
    DctHost h(cfg);
    h.out(6, 0);
    EXPECT_EQ(h.in(2, 2, 16).outcome, Outcome::Stall);
    EXPECT_EQ(h.state(), dfuIDLE);
    // alt 0 / pointer 0x08020000 now: an upload reads the internal flash at 0x08020000.
    auto r = h.in(2, 2, 16);
    ASSERT_EQ(r.outcome, Outcome::Ok);
    EXPECT_EQ(r.in, Bytes(16, 0xFF));
    EXPECT_EQ(h.m.transcript()[h.m.transcript().size() - 3].fault, "Reset:Upload:1");
}

TEST(Model, FaultDisconnectBeforeAndAfter) {
    DctHost a(with_fault(FaultKind::Disconnect, RequestClass::DnloadData, 1));
    EXPECT_EQ(a.out(1, 2, {0}).outcome, Outcome::Disconnect);
    EXPECT_TRUE(a.m.gone());
    EXPECT_EQ(a.m.dct()[0], 0xFF);
    EXPECT_EQ(a.m.transcript().back().result, "disconnected");

    DctHost b(with_fault(FaultKind::DisconnectAfter, RequestClass::GetStatus, 3));
    ASSERT_EQ(b.out(1, 2, {0}).outcome, Outcome::Ok);
    auto r = b.in(3, 0, 6); // third GETSTATUS: the write is applied and answered, then gone
    EXPECT_EQ(r.outcome, Outcome::Ok);
    EXPECT_TRUE(r.vanish_after);
    EXPECT_EQ(b.m.dct()[0], 0x00);
    EXPECT_EQ(b.in(3, 0, 6).outcome, Outcome::Disconnect);

    DctHost c(with_fault(FaultKind::DisconnectAfter, RequestClass::DnloadData, 1), 16);
    auto w = c.out(1, 2, {0x12, 0x34});
    EXPECT_EQ(w.outcome, Outcome::Ok);
    EXPECT_TRUE(w.vanish_after);
    EXPECT_EQ(c.m.dct()[16], 0x12); // the write was applied before the device vanished
    EXPECT_EQ(c.m.dct()[17], 0x34);
    EXPECT_EQ(c.in(3, 0, 6).outcome, Outcome::Disconnect);
}

TEST(Model, FaultTimeoutHoldsAndAppliesNothing) {
    DctHost h(with_fault(FaultKind::Timeout, RequestClass::DnloadData, 1));
    EXPECT_EQ(h.out(1, 2, {0}).outcome, Outcome::Hold);
    EXPECT_EQ(h.state(), dfuDNLOAD_IDLE);
    EXPECT_EQ(h.m.dct()[0], 0xFF);
    EXPECT_EQ(h.m.transcript()[h.m.transcript().size() - 2].result, "timeout");
}

TEST(Model, TranscriptRecordsStatesAndData) {
    Host h;
    h.command(Host::addr_cmd(0x21, 0x1234));
    const auto t = h.m.transcript();
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0].seq, 1u);
    EXPECT_EQ(t[0].name, "DNLOAD");
    EXPECT_EQ(t[0].state_before, "dfuIDLE");
    EXPECT_EQ(t[0].state_after, "dfuDNLOAD_SYNC");
    EXPECT_EQ(t[0].data, (Bytes{0x21, 0x34, 0x12, 0, 0}));
    EXPECT_EQ(t[1].state_after, "dfuDNBUSY");
    EXPECT_EQ(t[2].state_after, "dfuDNLOAD_IDLE");
    EXPECT_EQ(t[2].result, "ok");
    const std::string json = photon_emu::transcript_entry_json(0, t[0]);
    EXPECT_NE(json.find("\"data\":\"2134120000\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"device\":0"), std::string::npos) << json;
}

} // namespace
