#include "client/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace pgledger::client {
namespace {

// An Ed25519 PEM key is about 120 bytes; a larger file is not one, and
// reading it whole would only waste memory.
constexpr off_t kKeyFileSizeMax = 64 * 1024;

class WipeOnExit {
  public:
    explicit WipeOnExit(std::string& text) : text_(text) {}
    ~WipeOnExit() { OPENSSL_cleanse(text_.data(), text_.size()); }
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;

  private:
    std::string& text_;
};

class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const { return fd_; }
    // release_and_close reports the error of close itself, which for a new
    // file can be the first sign that its contents did not reach the disk.
    bool release_and_close() {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd) == 0;
    }

  private:
    int fd_;
};

std::runtime_error file_error(const std::string& action, const std::string& path) {
    return std::runtime_error("cannot " + action + " key file " + path + ": " + std::strerror(errno));
}

// Reads straight into a buffer of the final size: no stdio buffer or string
// reallocation leaves an unwiped copy of the key behind.
std::string read_small_file(const std::string& path) {
    const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        throw file_error("open", path);
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) {
        throw file_error("inspect", path);
    }
    if (!S_ISREG(status.st_mode)) {
        throw std::runtime_error("key file " + path + " is not a regular file");
    }
    if (status.st_size > kKeyFileSizeMax) {
        throw std::runtime_error("key file " + path + " is too large to be an Ed25519 PEM key");
    }
    std::string content(static_cast<std::size_t>(status.st_size), '\0');
    std::size_t filled = 0;
    while (filled < content.size()) {
        const ssize_t got = ::read(fd.get(), content.data() + filled, content.size() - filled);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            OPENSSL_cleanse(content.data(), content.size());
            throw file_error("read", path);
        }
        if (got == 0) {
            break;
        }
        filled += static_cast<std::size_t>(got);
    }
    content.resize(filled);
    return content;
}

bool write_all(int fd, const std::string& text) {
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t put = ::write(fd, text.data() + written, text.size() - written);
        if (put < 0 && errno == EINTR) {
            continue;
        }
        if (put <= 0) {
            return false;
        }
        written += static_cast<std::size_t>(put);
    }
    return true;
}

}  // namespace

SecretKey::SecretKey(core::Ed25519PrivateKey& source) : bytes_(source) {
    OPENSSL_cleanse(source.data(), source.size());
}

SecretKey::~SecretKey() {
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

SecretKey read_key_file(const std::string& path) {
    std::string pem = read_small_file(path);
    const WipeOnExit wipe_pem(pem);
    std::optional<core::Ed25519PrivateKey> parsed = core::ed25519_private_key_from_pem(pem);
    if (!parsed) {
        throw std::runtime_error(
            "key file " + path +
            " does not hold an unencrypted PEM (PKCS#8) Ed25519 private key, as written by "
            "`pgledger-sign keygen` or `openssl genpkey -algorithm ed25519`");
    }
    return SecretKey(*parsed);
}

core::Ed25519PublicKey create_key_file(const std::string& path) {
    core::Ed25519KeyPair pair = core::ed25519_generate();
    const SecretKey key(pair.private_key);
    std::string pem = core::ed25519_private_key_to_pem(key.bytes());
    const WipeOnExit wipe_pem(pem);

    FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR));
    if (fd.get() < 0 && errno == EEXIST) {
        throw std::runtime_error(
            path + " already exists; choose another file name, keygen never replaces a key file");
    }
    if (fd.get() < 0) {
        throw file_error("create", path);
    }
    // The umask may have removed the owner's own read permission.
    if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0 || !write_all(fd.get(), pem) || ::fsync(fd.get()) != 0 ||
        !fd.release_and_close()) {
        const std::runtime_error error = file_error("write", path);
        ::unlink(path.c_str());
        throw error;
    }
    return pair.public_key;
}

}  // namespace pgledger::client
