// SPDX-License-Identifier: MIT
/*
 * fwl-udp - a test tool: send one UDP datagram with a chosen source port,
 * first payload byte and length, or count the datagrams that arrive.
 *
 *	fwl-udp send SRCPORT ADDR PORT FIRSTBYTE LEN
 *	fwl-udp recv PORT SECONDS      (prints "N datagrams, B bytes")
 *
 * IPv4 only; used by the end-to-end tests in network namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int bound_socket(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "fwl-udp: cannot bind port %d: %s\n", port,
			strerror(errno));
		exit(1);
	}
	return fd;
}

static long num(const char *s, long max)
{
	char *e;
	long v = strtol(s, &e, 0);
	if (*e || v < 0 || v > max) {
		fprintf(stderr, "fwl-udp: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "send")) {
		unsigned char buf[1500] = { 0 };
		struct sockaddr_in to = { .sin_family = AF_INET,
					  .sin_port = htons(num(argv[4], 65535)) };
		long len = num(argv[6], sizeof(buf));
		int fd = bound_socket(num(argv[2], 65535));
		if (inet_pton(AF_INET, argv[3], &to.sin_addr) != 1) {
			fprintf(stderr, "fwl-udp: bad address '%s'\n", argv[3]);
			return 2;
		}
		buf[0] = num(argv[5], 255);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&to,
			   sizeof(to)) != len) {
			fprintf(stderr, "fwl-udp: send: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "recv")) {
		unsigned char buf[2048];
		int fd = bound_socket(num(argv[2], 65535));
		long n = 0, bytes = 0, ms = num(argv[3], 600) * 1000;
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			long left = ms - ((t.tv_sec - t0.tv_sec) * 1000 +
					  (t.tv_nsec - t0.tv_nsec) / 1000000);
			struct pollfd p = { fd, POLLIN, 0 };
			if (left <= 0 || poll(&p, 1, left) <= 0)
				break;
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r >= 0) {
				n++;
				bytes += r;
			}
		}
		printf("%ld datagrams, %ld bytes\n", n, bytes);
		return 0;
	}
	fprintf(stderr, "usage: fwl-udp send SRCPORT ADDR PORT FIRSTBYTE LEN\n"
			"       fwl-udp recv PORT SECONDS\n");
	return 2;
}
