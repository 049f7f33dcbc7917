#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "tests/support/paths.hpp"

namespace wallet::testing {

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  for (const auto& [k, v] : env) {
    if (v.empty()) {
      unsetenv(k.c_str());
    } else {
      setenv(k.c_str(), v.c_str(), 1);
    }
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Only stdin, stdout and stderr go to the program. The parent has many threads, and what
  // another of them had open at the fork (the write end of a pipe it reads to the end, a
  // listening socket) would otherwise live on in this program and in whatever it starts: a
  // service started by scripts/stack kept a CLI call's pipe open, and its reader waited forever.
  close_range(3, ~0U, 0);
  execvp(args[0], args.data());  // a bare name (bash, dpkg) is looked up in PATH
  _exit(127);
}

namespace {

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

int start_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    exec_child(argv, env);
  }
  return pid;
}

int wait_process(int pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return exit_code_of(status);
}

ProcessResult run_on_terminal(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) exec_child(argv, env);
  ProcessResult result;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has closed the terminal
    result.out.append(buf, static_cast<std::size_t>(n));
  }
  close(master);
  result.exit_code = wait_process(pid);
  return result;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::string& input) {
  signal(SIGPIPE, SIG_IGN);  // a child that exits before reading all its input must not kill the test
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    exec_child(argv, env);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  std::size_t written = 0;
  if (input.empty()) {
    close(in[1]);
    in[1] = -1;
  }
  ProcessResult result;
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
  int open_reads = 2;
  char buf[65536];
  while (open_reads > 0) {
    if (poll(fds, in[1] >= 0 ? 3 : 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_reads;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
      }
    }
    if (in[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR))) {
      const ssize_t n = write(in[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n <= 0 || written == input.size()) {
        close(in[1]);
        in[1] = -1;
        fds[2].fd = -1;
      }
    }
  }
  if (in[1] >= 0) close(in[1]);
  result.exit_code = wait_process(pid);
  return result;
}

ProcessResult run_stack(const std::string& action, const std::string& service) {
  return run_process({"/bin/bash", source_dir() + "/scripts/stack", action, service});
}

}  // namespace wallet::testing
