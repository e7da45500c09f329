// A temporary file with given content, removed when the object goes away (unit tier; no CLI).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace acctsec::test {

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    std::string templ = (std::filesystem::temp_directory_path() / "acctsec-test-XXXXXX").string();
    const int fd = ::mkstemp(templ.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    m_path = templ;
    std::ofstream(m_path, std::ios::binary) << content;
  }
  ~TempFile() { ::unlink(m_path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

}  // namespace acctsec::test
