# tests/e2e/build.mk - end-to-end suites: real traffic in the netns lab.
TEST_SCRIPTS += tests/e2e/slice.sh
TEST_SCRIPTS += tests/e2e/reload.sh
TEST_SCRIPTS += tests/e2e/sets.sh
TEST_SCRIPTS += tests/e2e/conntrack.sh
TEST_SCRIPTS += tests/e2e/nat.sh
TEST_SCRIPTS += tests/e2e/ratelimit.sh
TEST_SCRIPTS += tests/e2e/wireguard.sh
TEST_SCRIPTS += tests/e2e/home-router.sh
TEST_SCRIPTS += tests/e2e/feed.sh
TEST_SCRIPTS += tests/e2e/reload-load.sh
TEST_SCRIPTS += tests/e2e/ifaces.sh
TEST_SCRIPTS += tests/e2e/attach.sh
TEST_SCRIPTS += tests/e2e/ftp.sh
TEST_SCRIPTS += tests/e2e/feedctl.sh
TEST_SCRIPTS += tests/e2e/syslog.sh
TEST_SCRIPTS += tests/e2e/ctmetrics.sh
TEST_SCRIPTS += tests/e2e/layout.sh
