// DfuseSession getting the device back to dfuIDLE: the state it starts in, error statuses, stalls
// and timeouts in the middle of an operation, and what the error then says.
#include "session_test_support.hpp"

using namespace photon_dct;
using namespace photon_dct::dfu;
using namespace photon_dct::dfu::testing;
using std::chrono::milliseconds;
using test_support::catch_error;

// Where an operation finds the device, and the request that brings it to dfuIDLE first.
struct StartCase {
    Status status;
    State state;
    bool clears; // CLRSTATUS (an error status), else ABORT (a transfer in progress)
};

void PrintTo(const StartCase& c, std::ostream* os) { *os << state_and_status({c.status, 0, c.state, 0}); }

struct StartState : DfuseSessionTest, ::testing::WithParamInterface<StartCase> {};

TEST_P(StartState, IsBroughtToIdleBeforeTheUpload) {
    const StartCase& c = GetParam();
    t.expect(GetStatus(c.status, c.state)).expect(c.clears ? ClrStatus() : Abort()).expect(Idle());
    t.expect_set_address(0).expect(Abort()).expect(Upload(2, 8, pattern(8))).expect(Abort());
    auto s = dct_session();
    EXPECT_EQ(s->upload(0, 8), pattern(8));
    expect_script_done();
}

INSTANTIATE_TEST_SUITE_P(Recovery, StartState,
                         ::testing::Values(StartCase{Status::errSTALLEDPKT, State::dfuERROR, true},
                                           StartCase{Status::errUNKNOWN, State::dfuIDLE, true},
                                           StartCase{Status::OK, State::dfuUPLOAD_IDLE, false},
                                           StartCase{Status::OK, State::dfuDNLOAD_IDLE, false},
                                           StartCase{Status::OK, State::dfuDNLOAD_SYNC, false}));

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
    EXPECT_NE(std::string(e.what()).find("[dfuERROR, errSTALLEDPKT]"), std::string::npos) << e.what();
    expect_script_done();

    // The recovery left the unit in dfuIDLE: the next operation starts there and works.
    t.expect_set_address(2082).expect(Dnload(2, block)).expect(Busy()).expect(DnloadIdle());
    s->download(2082, block);
    expect_script_done();
    EXPECT_EQ(s->counters().data_downloads, 2u);
    EXPECT_EQ(s->counters().erase_commands, 0u);
}

TEST_F(DfuseSessionTest, TimeoutIsUsbIoAndTheNextOperationRecovers) {
    t.expect(Idle()).expect_set_address(0).expect(Abort());
    t.expect(Upload(2, 4096, {}).timeout());
    auto s = dct_session();
    const Error e = catch_error([&] { s->upload(0, 16384); });
    EXPECT_EQ(e.kind(), ErrorKind::UsbIo);
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
    expect_script_done(); // no recovery traffic after a timeout

    t.expect(GetStatus(Status::errSTALLEDPKT, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    t.expect_set_address(0).expect(Abort()).expect(Upload(2, 8, pattern(8))).expect(Abort());
    EXPECT_EQ(s->upload(0, 8), pattern(8));
    expect_script_done();
}

TEST_F(DfuseSessionTest, CustomTimeoutIsPassedToEveryTransfer) {
    SessionOptions o = options();
    o.timeout = milliseconds(250);
    auto s = dct_session(o);
    t.expect(Idle()).expect_set_address(0).expect(Abort()).expect(Upload(2, 8, pattern(8))).expect(Abort());
    s->upload(0, 8);
    ASSERT_EQ(t.timeouts().size(), 7u);
    for (const auto& timeout : t.timeouts()) EXPECT_EQ(timeout, milliseconds(250));
}

TEST_F(DfuseSessionTest, DeviceStuckInDnbusyIsBounded) {
    SessionOptions o = options();
    o.max_polls = 5;
    auto s = dct_session(o);
    const Bytes block = pattern(64);
    t.expect(Idle()).expect_set_address(0).expect(Dnload(2, block));
    t.expect_n(5, Busy(1));
    t.expect_n(8, Busy(1)); // recovery: bounded too
    const Error e = catch_error([&] { s->download(0, block); });
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

// After a stall the first GETSTATUS of the recovery says what the device thinks happened; the error
// carries it in words, the way fwupd's dfu plugin does (docs/dfu-protocol.md §3.1).
struct StallCase {
    Request stalled; // DNLOAD of a 512-byte block at 2082, or UPLOAD of the 16 KiB window
    Status status;   // what the first GETSTATUS of the recovery says, in dfuERROR
    std::string message;
};

void PrintTo(const StallCase& c, std::ostream* os) { *os << c.message; }

struct StallInWords : DfuseSessionTest, ::testing::WithParamInterface<StallCase> {};

TEST_P(StallInWords, CarriesTheDeviceStateAndStatus) {
    const StallCase& c = GetParam();
    const bool upload = c.stalled == Request::Upload;
    const Bytes block = pattern(512);
    t.expect(Idle()).expect_set_address(upload ? 0 : 2082);
    if (upload)
        t.expect(Abort()).expect(Upload(2, 4096, {}).stall());
    else
        t.expect(Dnload(2, block).stall());
    t.expect(GetStatus(c.status, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    auto s = dct_session();
    const Error e = catch_error([&] {
        if (upload)
            s->upload(0, 16384);
        else
            s->download(2082, block);
    });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_EQ(std::string(e.what()), c.message);
    expect_script_done();
}

INSTANTIATE_TEST_SUITE_P(
    Recovery, StallInWords,
    ::testing::Values(StallCase{Request::Dnload, Status::errWRITE,
                                "DNLOAD during download at 0x00000822: the device rejected the request (stall) "
                                "[dfuERROR, errWRITE]"},
                      StallCase{Request::Upload, Status::errSTALLEDPKT,
                                "UPLOAD during upload at 0x00000000: the device rejected the request (stall) "
                                "[dfuERROR, errSTALLEDPKT]"}));

// Only the first reply of the recovery goes into the error: the device's view right after the stall,
// not the dfuIDLE the recovery ends in.
TEST_F(DfuseSessionTest, StallCarriesTheFirstStatusOfTheRecoveryOnly) {
    t.expect(Idle()).expect_set_address(0).expect(Abort());
    t.expect(Upload(2, 8, {}).stall());
    t.expect(GetStatus(Status::OK, State::dfuUPLOAD_IDLE)).expect(Abort()).expect(Idle());
    auto s = dct_session();
    const std::string message = catch_error([&] { s->upload(0, 8); }).what();
    EXPECT_NE(message.find("(stall) [dfuUPLOAD_IDLE, OK]"), std::string::npos) << message;
    EXPECT_EQ(message.find("dfuIDLE"), std::string::npos) << message;
    expect_script_done();
}

// When the recovery's own GETSTATUS stalls there is nothing the device said: the stall is reported as it was.
TEST_F(DfuseSessionTest, StallWhoseRecoveryStatusStallsToo) {
    const Bytes block = pattern(64);
    t.expect(Idle()).expect_set_address(0).expect(Dnload(2, block).stall());
    t.expect(Idle().stall());
    auto s = dct_session();
    const Error e = catch_error([&] { s->download(0, block); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_STREQ(e.what(), "DNLOAD during download at 0x00000000: the device rejected the request (stall)");
    expect_script_done();

    // The stall of the recovery is not carried into the next error either.
    t.expect(GetStatus(Status::errADDRESS, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    t.expect(SetAddressCmd(0)).expect(GetStatus(Status::errADDRESS, State::dfuERROR));
    t.expect(GetStatus(Status::errADDRESS, State::dfuERROR)).expect(ClrStatus()).expect(Idle());
    const std::string message = catch_error([&] { s->download(0, block); }).what();
    EXPECT_EQ(message.find('['), std::string::npos) << message;
    EXPECT_NE(message.find("errADDRESS"), std::string::npos) << message;
    expect_script_done();
}
