# One INTERFACE target carries the warning flags and the sanitizer choice for every target.
add_library(wallet_project_options INTERFACE)
target_compile_options(wallet_project_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wconversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
# clang's -Wconversion also warns of sign conversions, which GCC's leaves to -Wsign-conversion:
# the same warnings under both compilers (the fuzz targets are built with clang).
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(wallet_project_options INTERFACE -Wno-sign-conversion)
endif()
if(WALLET_WERROR)
  target_compile_options(wallet_project_options INTERFACE -Werror)
endif()
if(WALLET_SANITIZE)
  if(NOT WALLET_SANITIZE MATCHES "^(address|undefined|thread|address,undefined)$")
    message(FATAL_ERROR "WALLET_SANITIZE must be address, undefined, thread or address,undefined")
  endif()
  # -O1, after the Debug type's -O0: what the sanitizers' authors advise for speed with usable
  # stacks; the sanitizer passes are CI's longest. GCC's maybe-uninitialized analysis is known to
  # misfire under sanitizer instrumentation (it flagged libstdc++'s own <regex> here); the
  # normal -O2 build keeps the warning as an error.
  target_compile_options(wallet_project_options INTERFACE -fsanitize=${WALLET_SANITIZE} -fno-omit-frame-pointer -O1
    -Wno-maybe-uninitialized)
  target_link_options(wallet_project_options INTERFACE -fsanitize=${WALLET_SANITIZE})
endif()
if(WALLET_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "WALLET_FUZZ needs clang (CXX=clang++)")
  endif()
  # Coverage instrumentation for everything the targets reach; each target links the fuzzer.
  target_compile_options(wallet_project_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(wallet_project_options INTERFACE -fsanitize=address,undefined)
endif()
