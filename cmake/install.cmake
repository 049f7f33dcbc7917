# What `cmake --install` (and so the package) puts where: the binary, the default configuration,
# the systemd units, shell completions, the man page and the docs; and CPack's Debian package
# (scripts/package), whose maintainer scripts live in deploy/debian/.
include(GNUInstallDirs)
# `cmake --install` and cpack install what scripts/build built; they never start a build (the
# package test runs cpack in the middle of the suite).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# The man page and completions come from the built binary's own definitions.
set(WALLET_MAN_PAGE ${CMAKE_BINARY_DIR}/walletctl.1)
set(WALLET_BASH_COMPLETION ${CMAKE_BINARY_DIR}/completions/walletctl)
set(WALLET_ZSH_COMPLETION ${CMAKE_BINARY_DIR}/completions/_walletctl)
find_program(HELP2MAN help2man)
if(HELP2MAN)
  add_custom_command(
    OUTPUT ${WALLET_MAN_PAGE}
    COMMAND ${PROJECT_SOURCE_DIR}/cmake/man_page.sh $<TARGET_FILE:walletctl> ${WALLET_MAN_PAGE}
            ${PROJECT_SOURCE_DIR}/docs/walletctl.h2m
    DEPENDS walletctl ${PROJECT_SOURCE_DIR}/cmake/man_page.sh ${PROJECT_SOURCE_DIR}/docs/walletctl.h2m
    COMMENT "Writing the man page (help2man)")
else()
  message(STATUS "help2man not found: no man page (scripts/bootstrap installs it)")
endif()
add_custom_command(
  OUTPUT ${WALLET_BASH_COMPLETION} ${WALLET_ZSH_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/completions
  COMMAND $<TARGET_FILE:walletctl> completion bash > ${WALLET_BASH_COMPLETION}
  COMMAND $<TARGET_FILE:walletctl> completion zsh > ${WALLET_ZSH_COMPLETION}
  DEPENDS walletctl
  COMMENT "Writing the shell completions")
add_custom_target(walletctl_docs ALL DEPENDS ${WALLET_BASH_COMPLETION} $<$<BOOL:${HELP2MAN}>:${WALLET_MAN_PAGE}>)

install(TARGETS walletctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# /etc whatever the prefix: the units and the man page name this path.
install(FILES wallet.toml DESTINATION /etc/walletctl)
install(FILES deploy/systemd/walletctl.service deploy/systemd/walletctl-worker.service
              deploy/systemd/walletctl-notify.service
        DESTINATION lib/systemd/system)
install(FILES ${WALLET_BASH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${WALLET_ZSH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
if(HELP2MAN)
  install(FILES ${WALLET_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
# README.md with the docs/ it links to, laid out as in the checkout so its links work; and the
# default configuration as shipped, to compare an edited /etc/walletctl/wallet.toml against.
install(FILES README.md wallet.toml DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md" PATTERN "openapi.json")
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
install(DIRECTORY deploy/grafana deploy/prometheus DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples OPTIONAL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME walletctl)
set(CPACK_PACKAGE_VENDOR "walletctl")
set(CPACK_PACKAGE_CONTACT "walletctl maintainers <walletctl@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "double-entry digital wallet ledger on PostgreSQL")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "walletctl keeps wallets as a double-entry ledger in PostgreSQL: charges, transfers, two-phase "
    "transfers, reversals and withdrawals, idempotent by key; an HTTP JSON API (walletctl serve), a "
    "withdrawal worker, an event relay to RabbitMQ, settlement replay, and an audit of the books.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)  # the debug info stays in build/ (90 MB of it)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the libraries the binary links, from dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")  # useradd in postinst
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-client")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, redis-server, rabbitmq-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
