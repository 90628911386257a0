#include <gtest/gtest.h>

#include <numeric>

#include "photon_dct/dfu/session.hpp"
#include "photon_dct/error.hpp"
#include "scripted_transport.hpp"

using namespace photon_dct;
using namespace photon_dct::dfu;
using namespace photon_dct::dfu::testing;
using std::chrono::milliseconds;

namespace {

Bytes pattern(std::size_t n, std::uint8_t seed = 0) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + seed);
    return b;
}

Bytes slice(const Bytes& b, std::size_t from, std::size_t n) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(from + n));
}

struct DfuseSessionTest : ::testing::Test {
    ScriptedTransport t{photon_config(), photon_strings()};
    std::vector<milliseconds> sleeps;
    std::vector<std::string> trace;

    // A Photon bootloader: its quirks from the quirk table.
    SessionOptions options() {
        SessionOptions o;
        o.platform_id = photon_dct::quirks::kPhoton;
        o.quirks =
            photon_dct::quirks::QuirkSet({photon_dct::quirks::kPhoton, true, 0x0250, "3a0036000247363333343435"});
        o.sleep = [this](milliseconds d) { sleeps.push_back(d); };
        o.trace = [this](std::string_view line) { trace.emplace_back(line); };
        return o;
    }

    // A session on the Photon with "DCT Flash" selected.
    std::unique_ptr<DfuseSession> dct_session() {
        auto s = std::make_unique<DfuseSession>(t, options());
        s->select_alt("DCT Flash");
        return s;
    }

    void expect_script_done() { EXPECT_EQ(t.remaining(), 0u) << "script not fully consumed"; }
};

template <typename F>
Error catch_error(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no photon_dct::Error thrown";
    return Error(ErrorKind::Internal, "none");
}

} // namespace

TEST_F(DfuseSessionTest, ConstructionReadsAltNamesAndClaimsTheInterface) {
    DfuseSession s(t, options());
    EXPECT_EQ(s.alt_names(), (std::vector<std::string>{kPhotonAlt0, kPhotonAlt1}));
    EXPECT_EQ(t.claimed(), (std::vector<std::uint8_t>{0}));
    EXPECT_EQ(s.transfer_size(), 4096);
    EXPECT_EQ(s.dfu_interface().functional.transfer_size, 4096);
    EXPECT_EQ(t.calls(), 0u);
    EXPECT_FALSE(s.selected_alt().has_value());
}

TEST_F(DfuseSessionTest, TransferSizeIsCappedAt4096) {
    Bytes c = photon_config();
    c[33] = 0x20; // wTransferSize 8192
    ScriptedTransport big(c, photon_strings());
    DfuseSession s(big, options());
    EXPECT_EQ(s.dfu_interface().functional.transfer_size, 8192);
    EXPECT_EQ(s.transfer_size(), 4096);
}

TEST_F(DfuseSessionTest, PlainDfuDeviceIsRejected) {
    Bytes c = photon_config();
    c[34] = 0x10; // bcdDFUVersion 0x0110
    ScriptedTransport plain(c, photon_strings());
    const Error e = catch_error([&] { DfuseSession s(plain, options()); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("DfuSe"), std::string::npos);
}

TEST(DfuseSessionAlt, SelectByNameOnP1WithThreeAlts) {
    ScriptedTransport t(p1_config(), p1_strings());
    DfuseSession s(t, SessionOptions{});
    ASSERT_EQ(s.alt_names().size(), 3u);
    s.select_alt("Serial Flash");
    EXPECT_EQ(s.selected_alt(), 2);
    EXPECT_EQ(s.layout().name, "Serial Flash");
    s.select_alt("DCT Flash");
    EXPECT_EQ(s.selected_alt(), 1);
    EXPECT_EQ(s.layout().segments.at(0).size(), 16384u);
    s.select_alt("Internal Flash   "); // trailing spaces are ignored
    EXPECT_EQ(s.selected_alt(), 0);
    ASSERT_EQ(t.alt_settings().size(), 3u);
    EXPECT_EQ(t.alt_settings()[0], (std::pair<std::uint8_t, std::uint8_t>{0, 2}));
    EXPECT_EQ(t.alt_settings()[1], (std::pair<std::uint8_t, std::uint8_t>{0, 1}));
    EXPECT_EQ(t.alt_settings()[2], (std::pair<std::uint8_t, std::uint8_t>{0, 0}));

    const Error e = catch_error([&] { s.select_alt("DCT"); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("\"Internal Flash\" (alt 0)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"DCT Flash\" (alt 1)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"Serial Flash\" (alt 2)"), std::string::npos) << msg;
    EXPECT_EQ(s.selected_alt(), 0); // unchanged
    EXPECT_EQ(t.calls(), 0u);
}

TEST_F(DfuseSessionTest, OperationsNeedASelectedAlt) {
    DfuseSession s(t, options());
    EXPECT_EQ(catch_error([&] { s.upload(0, 16); }).kind(), ErrorKind::Internal);
    EXPECT_EQ(catch_error([&] { s.download(0, pattern(16)); }).kind(), ErrorKind::Internal);
    EXPECT_EQ(t.calls(), 0u);
}

TEST_F(DfuseSessionTest, Upload16KiBExactlyAsDfuUtil) {
    const Bytes dct = pattern(16384);
    t.expect(Idle()).expect(SetAddressCmd(0)).expect(Busy()).expect(DnloadIdle()).expect(Abort()).expect(Idle());
    for (std::uint16_t block = 2; block <= 5; ++block) {
        t.expect(Upload(block, 4096, slice(dct, (block - 2u) * 4096u, 4096)));
    }
    t.expect(Abort()).expect(Idle());
    auto s = dct_session();
    const Bytes got = s->upload(0, 16384);
    EXPECT_EQ(got, dct);
    expect_script_done();
    const auto& c = s->counters();
    EXPECT_EQ(c.control_transfers, 12u);
    EXPECT_EQ(c.uploads, 4u);
    EXPECT_EQ(c.set_address_commands, 1u);
    EXPECT_EQ(c.status_polls, 5u);
    EXPECT_EQ(c.data_downloads, 0u);
    EXPECT_EQ(c.erase_commands, 0u);
    for (const auto& timeout : t.timeouts()) EXPECT_EQ(timeout, milliseconds(5000));
    EXPECT_FALSE(trace.empty());
}

TEST_F(DfuseSessionTest, UploadStopsAtAShortBlock) {
    const Bytes data = pattern(4096 + 100, 3);
    t.expect(Idle()).expect_set_address(0x1000).expect_abort_to_idle();
    t.expect(Upload(2, 4096, slice(data, 0, 4096)));
    t.expect(Upload(3, 4096, slice(data, 4096, 100))); // short: the device has no more
    t.expect_abort_to_idle();
    auto s = dct_session();
    const Bytes got = s->upload(0x1000, 12288); // asks for 12 KiB, gets 4196 bytes
    EXPECT_EQ(got, data);
    expect_script_done();
    EXPECT_EQ(s->counters().uploads, 2u);
}

TEST_F(DfuseSessionTest, UploadOfAnOddLengthAsksForTheRemainderLast) {
    const Bytes data = pattern(5000, 9);
    t.expect(Idle()).expect_set_address(2082).expect_abort_to_idle();
    t.expect(Upload(2, 4096, slice(data, 0, 4096)));
    t.expect(Upload(3, 904, slice(data, 4096, 904)));
    t.expect_abort_to_idle();
    auto s = dct_session();
    EXPECT_EQ(s->upload(2082, 5000), data);
    expect_script_done();
}

TEST_F(DfuseSessionTest, UploadOutsideTheLayoutIsRefusedWithoutTraffic) {
    auto s = dct_session();
    const Error e = catch_error([&] { s->upload(0x3F00, 512); });
    EXPECT_EQ(e.kind(), ErrorKind::Refused);
    EXPECT_NE(std::string(e.what()).find("DCT Flash"), std::string::npos);
    EXPECT_TRUE(s->upload(0, 0).empty());
    EXPECT_EQ(t.calls(), 0u);
}

TEST_F(DfuseSessionTest, Download5000BytesIsTwoChunksWithASetAddressEachAndNoErase) {
    const Bytes data = pattern(5000, 1);
    t.expect(Idle());
    t.expect_set_address(0x100).expect(Dnload(2, slice(data, 0, 4096))).expect(Busy()).expect(DnloadIdle());
    t.expect_set_address(0x1100).expect(Dnload(2, slice(data, 4096, 904))).expect(Busy()).expect(DnloadIdle());
    t.expect_abort_to_idle();
    auto s = dct_session();
    s->download(0x100, data);
    expect_script_done();
    const auto& c = s->counters();
    EXPECT_EQ(c.data_downloads, 2u);
    EXPECT_EQ(c.set_address_commands, 2u);
    EXPECT_EQ(c.erase_commands, 0u);
    EXPECT_EQ(c.uploads, 0u);
    EXPECT_EQ(c.status_polls, 10u);
    EXPECT_EQ(c.control_transfers, 15u);
}

TEST_F(DfuseSessionTest, Download512BytesAt2082) {
    const Bytes block = pattern(512, 5);
    t.expect(Idle()).expect_set_address(2082).expect(Dnload(2, block)).expect(Busy()).expect(DnloadIdle());
    t.expect_abort_to_idle();
    auto s = dct_session();
    s->download(2082, block);
    expect_script_done();
    EXPECT_EQ(s->counters().data_downloads, 1u);
    EXPECT_EQ(s->counters().erase_commands, 0u);
}

TEST_F(DfuseSessionTest, DownloadIntoReadOnlyMemoryIsRefused) {
    auto s = std::make_unique<DfuseSession>(t, options());
    s->select_alt("Internal Flash");
    EXPECT_EQ(catch_error([&] { s->download(0x08000000, pattern(16)); }).kind(), ErrorKind::Refused);
    s->select_alt("DCT Flash");
    EXPECT_EQ(catch_error([&] { s->download(16000, pattern(512)); }).kind(), ErrorKind::Refused);
    s->download(0, {}); // nothing to do
    EXPECT_EQ(t.calls(), 0u);
}

TEST_F(DfuseSessionTest, PollTimeoutsAreHonouredBeforeTheNextRequest) {
    const Bytes block = pattern(100);
    t.expect(GetStatus(Status::OK, State::dfuIDLE, 7));
    t.expect(SetAddressCmd(2082)).expect(Busy(1)).expect(Busy(30)).expect(DnloadIdle(2));
    t.expect(Dnload(2, block)).expect(Busy(500)).expect(DnloadIdle(0));
    t.expect(Abort()).expect(GetStatus(Status::OK, State::dfuIDLE, 11));
    auto s = dct_session();
    s->download(2082, block);
    expect_script_done();
    // Every non-zero bwPollTimeout is waited for before the next request; the last one is
    // still pending (the next operation waits for it first).
    EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(7), milliseconds(1), milliseconds(30), milliseconds(2),
                                                 milliseconds(500)}));
    t.expect(Idle())
        .expect_set_address(0)
        .expect_abort_to_idle()
        .expect(Upload(2, 16, pattern(16)))
        .expect_abort_to_idle();
    s->upload(0, 16);
    EXPECT_EQ(sleeps.back(), milliseconds(11));
    expect_script_done();
}

TEST_F(DfuseSessionTest, HugePollTimeoutIsClamped) {
    SessionOptions o = options();
    o.max_poll_wait = milliseconds(2000);
    DfuseSession s(t, o);
    s.select_alt("DCT Flash");
    t.expect(GetStatus(Status::OK, State::dfuIDLE, 0xFFFFFF));
    t.expect_set_address(0).expect_abort_to_idle().expect(Upload(2, 8, pattern(8))).expect_abort_to_idle();
    s.upload(0, 8);
    EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(2000)}));
    expect_script_done();
}

TEST_F(DfuseSessionTest, AltWhoseNameStallsIsUnnamed) {
    ScriptedTransport t2{photon_config(), {{7, kPhotonAlt1}}}; // string 6 stalls
    DfuseSession s(t2, options());
    EXPECT_EQ(s.alt_names(), (std::vector<std::string>{"", kPhotonAlt1}));
    s.select_alt("DCT Flash");
    EXPECT_EQ(s.selected_alt(), 1);
    EXPECT_EQ(catch_error([&] { s.select_alt("Internal Flash"); }).kind(), ErrorKind::DfuProtocol);
}

TEST_F(DfuseSessionTest, StartInDfuErrorClearsStatus) {
    t.expect(GetStatus(Status::errSTALLEDPKT, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    t.expect_set_address(0).expect_abort_to_idle().expect(Upload(2, 8, pattern(8))).expect_abort_to_idle();
    auto s = dct_session();
    EXPECT_EQ(s->upload(0, 8), pattern(8));
    expect_script_done();
}

TEST_F(DfuseSessionTest, StartInUploadIdleOrDownloadIdleOrSyncAborts) {
    for (State start : {State::dfuUPLOAD_IDLE, State::dfuDNLOAD_IDLE, State::dfuDNLOAD_SYNC}) {
        ScriptedTransport t2{photon_config(), photon_strings()};
        t2.expect(GetStatus(Status::OK, start)).expect(Abort()).expect(Idle());
        t2.expect_set_address(0).expect_abort_to_idle().expect(Upload(2, 8, pattern(8))).expect_abort_to_idle();
        DfuseSession s(t2, options());
        s.select_alt("DCT Flash");
        EXPECT_EQ(s.upload(0, 8), pattern(8)) << state_name(start);
        EXPECT_EQ(t2.remaining(), 0u) << state_name(start);
    }
}

TEST_F(DfuseSessionTest, StartInIdleWithAnErrorStatusClearsIt) {
    t.expect(GetStatus(Status::errUNKNOWN, State::dfuIDLE)).expect(ClrStatus()).expect(Idle());
    t.expect_set_address(0).expect_abort_to_idle().expect(Upload(2, 8, pattern(8))).expect_abort_to_idle();
    auto s = dct_session();
    EXPECT_EQ(s->upload(0, 8).size(), 8u);
    expect_script_done();
}

TEST_F(DfuseSessionTest, StartInAppIdleIsNotInDfuMode) {
    for (State start : {State::appIDLE, State::appDETACH}) {
        ScriptedTransport t2{photon_config(), photon_strings()};
        t2.expect(GetStatus(Status::OK, start));
        t2.expect(GetStatus(Status::OK, start)); // recovery is not attempted for this kind
        DfuseSession s(t2, options());
        s.select_alt("DCT Flash");
        const Error e = catch_error([&] { s.upload(0, 8); });
        EXPECT_EQ(e.kind(), ErrorKind::DeviceNotInDfuMode);
        EXPECT_NE(std::string(e.what()).find(state_name(start)), std::string::npos) << e.what();
        EXPECT_NE(e.hint().find("hold SETUP, tap RESET"), std::string::npos) << e.hint();
        EXPECT_EQ(t2.remaining(), 1u);
    }
}

TEST_F(DfuseSessionTest, BringToIdleIsBounded) {
    t.expect_n(8, GetStatus(Status::OK, State::dfuDNBUSY));
    t.expect_n(8, GetStatus(Status::OK, State::dfuDNBUSY)); // the recovery attempt, also bounded
    auto s = dct_session();
    const Error e = catch_error([&] { s->upload(0, 8); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("dfuDNBUSY"), std::string::npos) << e.what();
    expect_script_done();
}

TEST_F(DfuseSessionTest, ErrorStatusIsReportedInWords) {
    const Bytes block = pattern(512);
    t.expect(Idle()).expect_set_address(2082).expect(Dnload(2, block));
    t.expect(GetStatus(Status::errWRITE, State::dfuERROR));
    // recovery
    t.expect(GetStatus(Status::errWRITE, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    auto s = dct_session();
    const Error e = catch_error([&] { s->download(2082, block); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_STREQ(e.what(), "DFU status errWRITE (the device could not write to memory) in state "
                           "dfuERROR during download at 0x00000822");
    expect_script_done();
}

TEST_F(DfuseSessionTest, ErrorStatusDuringSetAddress) {
    t.expect(Idle()).expect(SetAddressCmd(0x08005000));
    t.expect(GetStatus(Status::errADDRESS, State::dfuERROR));
    t.expect(GetStatus(Status::errADDRESS, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    DfuseSession s(t, options());
    s.select_alt("Internal Flash");
    const Error e = catch_error([&] { s.upload(0x08005000, 4); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("DFU status errADDRESS (the address is out of range for this "
                                         "memory) in state dfuERROR during set address for upload at "
                                         "0x08005000"),
              std::string::npos)
        << e.what();
    expect_script_done();
}

TEST_F(DfuseSessionTest, WrongStateAfterSetAddress) {
    t.expect(Idle()).expect(SetAddressCmd(0)).expect(DnloadIdle()); // no dfuDNBUSY first
    t.expect(DnloadIdle()).expect(Abort()).expect(Idle());          // recovery
    auto s = dct_session();
    const Error e = catch_error([&] { s->upload(0, 8); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("expected dfuDNBUSY"), std::string::npos) << e.what();
    expect_script_done();
}

TEST_F(DfuseSessionTest, StallDuringDownloadThenRecoveryToIdle) {
    const Bytes block = pattern(512);
    t.expect(Idle()).expect_set_address(2082).expect(Dnload(2, block).stall());
    t.expect(GetStatus(Status::errSTALLEDPKT, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    auto s = dct_session();
    const Error e = catch_error([&] { s->download(2082, block); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("stall"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("0x00000822"), std::string::npos) << e.what();
    expect_script_done();

    // The next operation starts from dfuIDLE and works.
    t.expect(Idle()).expect_set_address(2082).expect(Dnload(2, block)).expect(Busy()).expect(DnloadIdle());
    t.expect_abort_to_idle();
    s->download(2082, block);
    expect_script_done();
    EXPECT_EQ(s->counters().data_downloads, 2u);
    EXPECT_EQ(s->counters().erase_commands, 0u);
}

TEST_F(DfuseSessionTest, TimeoutIsUsbIoAndTheNextOperationRecovers) {
    t.expect(Idle()).expect_set_address(0).expect_abort_to_idle();
    t.expect(Upload(2, 4096, {}).timeout());
    auto s = dct_session();
    const Error e = catch_error([&] { s->upload(0, 16384); });
    EXPECT_EQ(e.kind(), ErrorKind::UsbIo);
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
    expect_script_done(); // no recovery traffic after a timeout

    t.expect(GetStatus(Status::errSTALLEDPKT, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    t.expect_set_address(0).expect_abort_to_idle().expect(Upload(2, 8, pattern(8))).expect_abort_to_idle();
    EXPECT_EQ(s->upload(0, 8), pattern(8));
    expect_script_done();
}

TEST_F(DfuseSessionTest, CustomTimeoutIsPassedToEveryTransfer) {
    SessionOptions o = options();
    o.timeout = milliseconds(250);
    DfuseSession s(t, o);
    s.select_alt("DCT Flash");
    t.expect(Idle())
        .expect_set_address(0)
        .expect_abort_to_idle()
        .expect(Upload(2, 8, pattern(8)))
        .expect_abort_to_idle();
    s.upload(0, 8);
    ASSERT_EQ(t.timeouts().size(), 9u);
    for (const auto& timeout : t.timeouts()) EXPECT_EQ(timeout, milliseconds(250));
}

TEST_F(DfuseSessionTest, DeviceStuckInDnbusyIsBounded) {
    SessionOptions o = options();
    o.max_polls = 5;
    DfuseSession s(t, o);
    s.select_alt("DCT Flash");
    const Bytes block = pattern(64);
    t.expect(Idle()).expect_set_address(0).expect(Dnload(2, block));
    t.expect_n(5, Busy(1));
    t.expect_n(8, Busy(1)); // recovery: bounded too
    const Error e = catch_error([&] { s.download(0, block); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("device stuck"), std::string::npos) << e.what();
    expect_script_done();
    EXPECT_EQ(sleeps.size(), 12u); // each poll waited its bwPollTimeout of 1 ms
}

TEST_F(DfuseSessionTest, ShortGetStatusReplyIsAProtocolError) {
    Step short_status = Idle();
    short_status.reply.resize(3);
    t.expect(short_status);
    t.expect(Idle()); // recovery
    auto s = dct_session();
    EXPECT_EQ(catch_error([&] { s->upload(0, 8); }).kind(), ErrorKind::DfuProtocol);
    expect_script_done();
}

TEST_F(DfuseSessionTest, LeaveWhereTheDeviceVanishesIsSuccess) {
    t.expect(Idle()).expect_set_address(0x08020000).expect(Dnload(2, {}));
    t.expect(Idle().vanish());
    auto s = dct_session();
    EXPECT_NO_THROW(s->leave(0x08020000));
    expect_script_done();
    EXPECT_EQ(s->counters().data_downloads, 0u); // the zero-length leave request carries no data
    // The session is finished.
    EXPECT_EQ(catch_error([&] { s->upload(0, 8); }).kind(), ErrorKind::Internal);
    EXPECT_EQ(t.remaining(), 0u);
}

TEST_F(DfuseSessionTest, LeaveWhereTheDeviceAnswersDnloadIdleIsSuccess) {
    t.expect(Idle()).expect_set_address(0x08020000).expect(Dnload(2, {}));
    t.expect(DnloadIdle(500));
    auto s = dct_session();
    EXPECT_NO_THROW(s->leave(0x08020000));
    expect_script_done();
    EXPECT_TRUE(sleeps.empty()); // nothing more is sent, so nothing to wait for
}

TEST_F(DfuseSessionTest, DnloadIdleAfterLeaveIsSuccessOnlyWithTheParticleQuirk) {
    t.expect(Idle()).expect_set_address(0).expect(Dnload(2, {}));
    t.expect(DnloadIdle(0));
    SessionOptions o = options();
    o.quirks = {}; // a DfuSe device without Particle's leave answer
    DfuseSession s(t, o);
    const Error e = catch_error([&] { s.leave(0); });
    EXPECT_NE(std::string(e.what()).find("did not leave"), std::string::npos) << e.what();
    expect_script_done();
}

TEST_F(DfuseSessionTest, LeaveWithAStallOrTimeoutAfterTheRequestIsSuccess) {
    for (Outcome outcome : {Outcome::Stall, Outcome::Timeout}) {
        ScriptedTransport t2{photon_config(), photon_strings()};
        Step after = Idle();
        after.outcome = outcome;
        t2.expect(Idle()).expect_set_address(0).expect(Dnload(2, {})).expect(after);
        DfuseSession s(t2, options());
        EXPECT_NO_THROW(s.leave(0)); // no alt selection needed to leave
        EXPECT_EQ(t2.remaining(), 0u);
    }
}

TEST_F(DfuseSessionTest, LeaveThatTheDeviceIgnoresIsAnError) {
    t.expect(Idle()).expect_set_address(0).expect(Dnload(2, {})).expect(Idle());
    auto s = dct_session();
    const Error e = catch_error([&] { s->leave(0); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("did not leave"), std::string::npos) << e.what();
    expect_script_done();
}

TEST_F(DfuseSessionTest, NormalModeUnitGetsItsPlatformsButtonAdvice) {
    // A DFU run-time interface only (protocol 1): the unit runs its firmware.
    const Bytes runtime = {0x09, 0x02, 0x1B, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32, 0x09, 0x04, 0x00, 0x00, 0x00,
                           0xFE, 0x01, 0x01, 0x00, 0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x10, 0x1A, 0x01};
    ScriptedTransport t2{runtime, {}};
    SessionOptions o = options();
    o.platform_id = photon_dct::quirks::kElectron;
    const Error e = catch_error([&] { DfuseSession s(t2, o); });
    EXPECT_EQ(e.kind(), ErrorKind::DeviceNotInDfuMode);
    EXPECT_EQ(e.hint(), "put it into DFU mode: hold MODE, tap RESET, and release MODE when the LED blinks yellow");
}
