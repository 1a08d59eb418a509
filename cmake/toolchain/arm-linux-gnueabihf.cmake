# Cross build with Debian's crossbuild-essential and multiarch -dev packages (scripts/run
# cross); CMDLINK_CLIENT_ONLY is the build this is for. Binaries run under qemu-arm.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
# Debian's name for the architecture, for the package (cmake/package.cmake).
set(CMDLINK_DEBIAN_ARCHITECTURE armhf)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm)
# Libraries and headers of the target architecture only; programs of the build machine.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
