// floor_proxy: the least work a proxy can do for the benchmark's orchestrated request, to measure the socket
// and wake-up floor any router pays on this machine (docs/benchmarks.md, "The syscall floor"). It reads only
// HTTP/1.1 framing (end of headers, Content-Length, the chunked terminator); nothing is validated or scanned.
//
//   floor_proxy LISTEN_PORT DECODE_PORT
//       one hop: each client request is forwarded unchanged to the decode pod and its answer relayed back.
//   floor_proxy LISTEN_PORT DECODE_PORT PREFILL_PORT PREFILL_BODY_FILE
//       two legs: for each client request, send the prefill pod the file's body (what the router sends it for the
//       benchmark's request) under the router's leg headers, read the whole answer, send the decode pod the
//       client's body with the answer's kv_transfer_params member spliced in before its last brace (found by a
//       byte search), and relay decode's answer to the client.
//
// One thread, level-triggered epoll, one keep-alive connection to each pod per client connection: per request
// one recv and one send per socket, which is the minimum. A measuring tool, not a proxy: no pipelining, no error
// answers, no timeouts, fixed-size buffers, loopback only. bench.sh compiles it with the machine's C compiler.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BUF = 1 << 16, MAX_CONNS = 4096 };
enum { WAIT_CLIENT, WAIT_PREFILL, WAIT_DECODE };
enum { SIDE_CLIENT, SIDE_PREFILL, SIDE_DECODE };

struct conn {
    int fd[3];
    int state;
    size_t in_len, out_len, in_total;
    char in[BUF], out[BUF];
};

static struct conn *conns[MAX_CONNS];
static int epfd, decode_port, prefill_port;
static char *prefill_req;
static size_t prefill_req_len;
static char decode_req[2 * BUF];

// The headers the router sends on each leg: its request id, the trace context, the body's type and length.
static const char leg_headers[] =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Request-ID: 0aa9e1a8d2ab0d724be333da9d1c66aa\r\n"
    "traceparent: 00-8d3a93cad3a97e6a010083df973c2505-4fe43c2d4e399c25-01\r\nContent-Type: application/json\r\n"
    "Content-Length: %zu\r\n\r\n";

static char *read_request(const char *path, int port, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    char body[BUF];
    size_t body_len = fread(body, 1, sizeof body, f);
    fclose(f);
    char *request = malloc(2 * BUF);
    int head = snprintf(request, 2 * BUF, leg_headers, port, body_len);
    memcpy(request + head, body, body_len);
    *len = (size_t)head + body_len;
    return request;
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(2); }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static void watch(int fd, int slot, int side) {
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = ((uint64_t)slot << 2) | (uint64_t)side };
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) { if (errno == EAGAIN) continue; return; }
        p += w; n -= (size_t)w;
    }
}

// Length of the whole message when buf holds all of it, else 0.
static size_t complete_length(const char *buf, size_t len) {
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - buf) + 4;
    for (const char *p = buf; p < end; p++) {
        if (strncasecmp(p, "\ncontent-length:", 16) == 0) {
            size_t total = head + strtoul(p + 16, NULL, 10);
            return len >= total ? total : 0;
        }
        if (strncasecmp(p, "\ntransfer-encoding:", 19) == 0) {
            return len >= head + 5 && memcmp(buf + len - 5, "0\r\n\r\n", 5) == 0 ? len : 0;
        }
    }
    return head;
}

// The decode request: the client's body, its last brace replaced by the prefill answer's kv_transfer_params member.
static void send_decode(struct conn *c, size_t answer_len) {
    static const char key[] = "\"kv_transfer_params\":";
    const char *answer_body = (const char *)memmem(c->out, answer_len, "\r\n\r\n", 4) + 4;
    const char *kv = memmem(answer_body, answer_len - (size_t)(answer_body - c->out), key, sizeof key - 1);
    size_t kv_len = 0;
    if (kv) {
        int depth = 0;
        const char *p = kv + sizeof key - 1;
        do { depth += *p == '{'; depth -= *p == '}'; p++; } while (depth > 0 && p < c->out + answer_len);
        kv_len = (size_t)(p - kv);
    }
    const char *body = (const char *)memmem(c->in, c->in_total, "\r\n\r\n", 4) + 4;
    size_t body_len = c->in_total - (size_t)(body - c->in) - 1; // without the last brace
    size_t new_len = body_len + (kv_len ? 1 + kv_len : 0) + 1;
    int head = snprintf(decode_req, sizeof decode_req, leg_headers, decode_port, new_len);
    char *w = decode_req + head;
    memcpy(w, body, body_len); w += body_len;
    if (kv_len) { *w++ = ','; memcpy(w, kv, kv_len); w += kv_len; }
    *w++ = '}';
    send_all(c->fd[SIDE_DECODE], decode_req, (size_t)(w - decode_req));
}

static void close_conn(int slot) {
    struct conn *c = conns[slot];
    for (int i = 0; i < 3; i++) if (c->fd[i] >= 0) close(c->fd[i]);
    free(c);
    conns[slot] = NULL;
}

static void on_readable(int slot, int side) {
    struct conn *c = conns[slot];
    if (!c) return;
    int expected = c->state == WAIT_CLIENT ? SIDE_CLIENT : c->state == WAIT_PREFILL ? SIDE_PREFILL : SIDE_DECODE;
    if (side != expected) {
        char probe;
        if (recv(c->fd[side], &probe, 1, MSG_PEEK) == 0) close_conn(slot);
        return;
    }
    char *buf = side == SIDE_CLIENT ? c->in : c->out;
    size_t *len = side == SIDE_CLIENT ? &c->in_len : &c->out_len;
    ssize_t r = recv(c->fd[side], buf + *len, BUF - *len, 0);
    if (r <= 0) { if (r == 0 || errno != EAGAIN) close_conn(slot); return; }
    *len += (size_t)r;
    size_t total = complete_length(buf, *len);
    if (total == 0) return;
    switch (c->state) {
    case WAIT_CLIENT:
        c->in_total = total;
        if (prefill_req) { c->state = WAIT_PREFILL; send_all(c->fd[SIDE_PREFILL], prefill_req, prefill_req_len); }
        else { c->state = WAIT_DECODE; send_all(c->fd[SIDE_DECODE], c->in, total); }
        break;
    case WAIT_PREFILL:
        c->state = WAIT_DECODE; c->out_len = 0;
        send_decode(c, total);
        break;
    default:
        c->state = WAIT_CLIENT; c->out_len = 0; c->in_len = 0;
        send_all(c->fd[SIDE_CLIENT], c->out, total);
        break;
    }
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 5) { fprintf(stderr, "usage: see the top of floor_proxy.c\n"); return 2; }
    int listen_port = atoi(argv[1]), one = 1;
    decode_port = atoi(argv[2]);
    if (argc == 5) {
        prefill_port = atoi(argv[3]);
        prefill_req = read_request(argv[4], prefill_port, &prefill_req_len);
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(listen_port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 1024) != 0) { perror("listen"); return 2; }
    epfd = epoll_create1(0);
    struct epoll_event le = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &le);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epfd, events, 256, -1);
        for (int i = 0; i < n; i++) {
            if (events[i].data.u64 == UINT64_MAX) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    int slot = 0;
                    while (slot < MAX_CONNS && conns[slot]) slot++;
                    if (slot == MAX_CONNS) { close(fd); continue; }
                    struct conn *c = calloc(1, sizeof *c);
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c->fd[SIDE_CLIENT] = fd;
                    c->fd[SIDE_DECODE] = connect_to(decode_port);
                    c->fd[SIDE_PREFILL] = prefill_req ? connect_to(prefill_port) : -1;
                    conns[slot] = c;
                    for (int s = 0; s < 3; s++) if (c->fd[s] >= 0) watch(c->fd[s], slot, s);
                }
                continue;
            }
            on_readable((int)(events[i].data.u64 >> 2), (int)(events[i].data.u64 & 3));
        }
    }
}
