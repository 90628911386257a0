#include "photon_dct/ops/store.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "photon_dct/error.hpp"

namespace photon_dct::ops {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void file_error(const std::string& what, const fs::path& path, int err, std::string hint = {}) {
    throw Error(ErrorKind::FileIo, fmt::format("{} '{}': {}", what, path.string(), std::strerror(err)),
                std::move(hint));
}

// RAII file descriptor.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

void write_all(int fd, ByteView bytes, const fs::path& path) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            file_error("cannot write", path, errno, "check free disk space and permissions");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) file_error("cannot sync", path, errno);
}

std::string utc_timestamp() {
    return fmt::format("{:%Y%m%dT%H%M%SZ}",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

} // namespace

Bytes read_file(const fs::path& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        file_error(fmt::format("cannot open {}", what), path, errno, "check the path and that you may read the file");
    Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) file_error(fmt::format("cannot read {}", what), path, errno);
    return bytes;
}

void write_new_file(const fs::path& path, ByteView bytes, fs::perms mode) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode)));
    if (fd.get() < 0)
        file_error("cannot create", path, errno,
                   errno == EEXIST ? "photon-dct never overwrites a file: choose another name or move the old one"
                                   : "check that the directory exists and is writable");
    // The umask may have removed bits; set exactly what was asked (e.g. 0600 for key material).
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) file_error("cannot set the mode of", path, errno);
    try {
        write_all(fd.get(), bytes, path);
    } catch (...) {
        ::unlink(path.c_str());
        throw;
    }
}

fs::path unique_timestamped_path(const fs::path& dir, const std::string& stem, const std::string& suffix) {
    const std::string base = stem + "-" + utc_timestamp();
    fs::path candidate = dir / (base + suffix);
    for (int n = 2; fs::exists(candidate); ++n) candidate = dir / fmt::format("{}-{}{}", base, n, suffix);
    return candidate;
}

FileStore::FileStore(fs::path path, const dct::Platform& platform) : path_(std::move(path)), platform_(platform) {}

std::string FileStore::description() const {
    return fmt::format("image {} ({})", path_.string(), platform_.display_name);
}

std::vector<dct::CommandArgument> FileStore::selector_arguments() const {
    std::vector<dct::CommandArgument> args{{"file", path_.string(), false}};
    if (platform_.id != dct::PlatformId::Photon) args.push_back({"platform", std::string(platform_.name), false});
    return args;
}

Bytes FileStore::read_window() { return read_file(path_, "DCT image"); }

void FileStore::write(std::uint32_t offset, ByteView bytes) {
    Bytes image = read_window();
    if (std::size_t{offset} + bytes.size() > image.size())
        throw Error(ErrorKind::InvalidInput, fmt::format("write at {}..{} is past the end of the {}-byte image {}",
                                                         offset, offset + bytes.size(), image.size(), path_.string()));
    std::copy(bytes.begin(), bytes.end(), image.begin() + offset);

    std::error_code ec;
    const auto mode = fs::status(path_, ec).permissions();
    const fs::path tmp = path_.string() + ".photon-dct-tmp";
    fs::remove(tmp, ec);
    write_new_file(tmp, image, ec ? fs::perms::owner_read | fs::perms::owner_write : mode);
    if (::rename(tmp.c_str(), path_.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        file_error("cannot replace", path_, err);
    }
}

fs::path FileStore::default_backup_path(const Bytes&) const {
    const fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    return unique_timestamped_path(dir, path_.filename().string() + ".backup", ".dct");
}

} // namespace photon_dct::ops
