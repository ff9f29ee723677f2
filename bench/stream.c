/* STREAM-style memory bandwidth on this machine: the limit that element-wise work and
 * reductions are measured against. Built and run by legate-dense's `dense` benchmark:
 *   cc -O3 -march=native -fopenmp bench/stream.c -o target/stream && OMP_NUM_THREADS=2 target/stream N
 * Prints one line per kernel: `name GB/s` (best of the repetitions), counting the bytes
 * the kernel must move (triad: 24 per element, add: 24, sum: 8). The benchmark rebuilds
 * it when this file is newer than the binary. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static double now(void) { return omp_get_wtime(); }

/* 2 MiB aligned and backed by transparent huge pages where the kernel leaves them to
 * madvise, as NumPy and legate-core do for large arrays: the bandwidth measured is the
 * memory's, not the TLB's. */
static double *alloc_array(long n) {
    void *p = NULL;
    size_t bytes = (size_t)n * sizeof(double);
    if (posix_memalign(&p, 2 << 20, bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000000L;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    double *a = alloc_array(n), *b = alloc_array(n), *c = alloc_array(n);
    if (!a || !b || !c) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        a[i] = 1.0;
        b[i] = 2.0;
        c[i] = 0.5;
    }
    double best_triad = 1e30, best_add = 1e30, best_sum = 1e30, sink = 0.0;
    for (int r = 0; r < reps; r++) {
        double t = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) a[i] = b[i] + 2.5 * c[i];
        t = now() - t;
        if (t < best_triad) best_triad = t;

        t = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) c[i] = a[i] + b[i];
        t = now() - t;
        if (t < best_add) best_add = t;

        /* Sixteen partial sums per thread: independent chains, so the loop is limited by
         * memory, not by the latency of one chain of additions. */
        double s = 0.0;
        long n16 = n - n % 16;
        t = now();
#pragma omp parallel reduction(+ : s)
        {
            double p[16] = {0};
#pragma omp for schedule(static)
            for (long i = 0; i < n16; i += 16)
                for (int k = 0; k < 16; k++) p[k] += a[i + k];
            for (int k = 0; k < 16; k++) s += p[k];
        }
        for (long i = n16; i < n; i++) s += a[i];
        t = now() - t;
        sink += s;
        if (t < best_sum) best_sum = t;
    }
    printf("triad %.3f\n", 24.0 * n / best_triad / 1e9);
    printf("add %.3f\n", 24.0 * n / best_add / 1e9);
    printf("sum %.3f\n", 8.0 * n / best_sum / 1e9);
    fprintf(stderr, "(checksum %g)\n", sink);
    free(a);
    free(b);
    free(c);
    return 0;
}
