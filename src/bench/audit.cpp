#include "photon_dct/bench/audit.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "photon_dct/error.hpp"

namespace photon_dct::bench {
namespace {

[[noreturn]] void audit_error(const std::string& what, const std::filesystem::path& log, int err) {
    throw Error(ErrorKind::FileIo, fmt::format("audit log '{}': {}: {}", log.string(), what, std::strerror(err)),
                "check that the [files] audit path is writable and the disk is not full");
}

nlohmann::json optional_text(const std::optional<std::string>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// Closes the descriptor (which also drops the flock) on every path out.
class LockedLog {
public:
    explicit LockedLog(const std::filesystem::path& log) : log_(log) {
        fd_ = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd_ < 0) audit_error("cannot open", log, errno);
        while (::flock(fd_, LOCK_EX) != 0)
            if (errno != EINTR) audit_error("cannot lock", log, errno);
    }
    ~LockedLog() { ::close(fd_); }
    LockedLog(const LockedLog&) = delete;
    LockedLog& operator=(const LockedLog&) = delete;

    // True when the file is empty or its last byte is a newline (read through a second descriptor:
    // this one is write-only).
    bool ends_with_newline() const {
        struct stat st {};
        if (::fstat(fd_, &st) != 0) audit_error("cannot stat", log_, errno);
        if (st.st_size == 0) return true;
        const int rd = ::open(log_.c_str(), O_RDONLY | O_CLOEXEC);
        if (rd < 0) audit_error("cannot read", log_, errno);
        char last = '\n';
        const ssize_t n = ::pread(rd, &last, 1, st.st_size - 1);
        ::close(rd);
        return n != 1 || last == '\n';
    }

    void append(std::string_view text) {
        std::size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) audit_error("cannot append", log_, errno);
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(fd_) != 0) audit_error("cannot sync", log_, errno);
    }

private:
    std::filesystem::path log_;
    int fd_ = -1;
};

} // namespace

std::string_view audit_result_name(AuditResult r) {
    switch (r) {
    case AuditResult::Written:
        return "written";
    case AuditResult::AlreadyConforms:
        return "already-conforms";
    case AuditResult::Conforms:
        return "conforms";
    case AuditResult::Differs:
        return "differs";
    case AuditResult::Failed:
        break;
    }
    return "failed";
}

std::string audit_line(const AuditRecord& r) {
    const auto millis = std::chrono::time_point_cast<std::chrono::milliseconds>(r.time);
    const auto ms = millis.time_since_epoch().count() % 1000;
    const nlohmann::json doc{
        {"time",
         fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(r.time)), ms)},
        {"tool_version", r.tool_version},
        {"profile", r.profile},
        {"profile_sha256", r.profile_sha256},
        {"operator", r.operator_name},
        {"station", r.station},
        {"command", r.command},
        {"device_id", optional_text(r.device_id)},
        {"platform", optional_text(r.platform)},
        {"usb_path", optional_text(r.usb_path)},
        {"result", audit_result_name(r.result)},
        {"exit_code", r.exit_code},
        {"findings", r.findings},
        {"changed", r.changed},
        {"dct_sha256_before", optional_text(r.dct_sha256_before)},
        {"dct_sha256_after", optional_text(r.dct_sha256_after)},
        {"backup", optional_text(r.backup)},
        {"public_key", optional_text(r.public_key)},
        {"public_key_sha256", optional_text(r.public_key_sha256)},
        {"duration_ms", r.duration_ms},
        {"error", optional_text(r.error)},
    };
    // ASCII-only output: control characters and non-ASCII are \u escapes, invalid UTF-8 is replaced.
    return doc.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + "\n";
}

void append_audit_record(const std::filesystem::path& log, const AuditRecord& record) {
    const std::string line = audit_line(record);
    LockedLog file(log);
    file.append(file.ends_with_newline() ? line : "\n" + line);
}

std::string station_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown";
    return name;
}

} // namespace photon_dct::bench
