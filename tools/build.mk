# tools/build.mk - fwlctl and the helper programs of tests and benchmarks.
$(BUILD)/fwlctl: $(BUILD)/obj/tools/fwlctl.o $(LOADER_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

PROGRAMS += $(BUILD)/fwlctl
DEPS += $(BUILD)/obj/tools/fwlctl.d

# bench-feed: ThreatFeed update timing (tools/bench.d/feed, make bench).
$(BUILD)/bench-feed: $(BUILD)/obj/tools/bench-feed.o $(LOADER_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

PROGRAMS += $(BUILD)/bench-feed
DEPS += $(BUILD)/obj/tools/bench-feed.d

# fwl-udp: datagrams with a chosen source port and payload, for tests.
$(BUILD)/fwl-udp: $(BUILD)/obj/tools/fwl-udp.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

PROGRAMS += $(BUILD)/fwl-udp
DEPS += $(BUILD)/obj/tools/fwl-udp.d
