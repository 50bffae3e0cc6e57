TEST_SCRIPTS += tests/backend/build.sh
