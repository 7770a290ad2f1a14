/*
 * Runs PTX cases written by the tests' DumpPtxCases on a real NVIDIA GPU through the CUDA driver
 * API (libcuda.so.1, opened at run time, so building needs only a C compiler and cuda.h) and
 * compares every buffer with what the PTX interpreter computed (NaN equal to any NaN).
 *   cc -O2 -I/usr/local/cuda/include -o ptx_gpu_check ptx_gpu_check.c -ldl
 *   ./ptx_gpu_check CASE_DIR...
 */
#include <cuda.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CUresult (*pInit)(unsigned);
static CUresult (*pDeviceGet)(CUdevice *, int);
static CUresult (*pDeviceGetName)(char *, int, CUdevice);
static CUresult (*pPrimaryCtxRetain)(CUcontext *, CUdevice);
static CUresult (*pCtxSetCurrent)(CUcontext);
static CUresult (*pModuleLoadDataEx)(CUmodule *, const void *, unsigned, CUjit_option *, void **);
static CUresult (*pModuleUnload)(CUmodule);
static CUresult (*pModuleGetFunction)(CUfunction *, CUmodule, const char *);
static CUresult (*pMemAlloc)(CUdeviceptr *, size_t);
static CUresult (*pMemFree)(CUdeviceptr);
static CUresult (*pMemcpyHtoD)(CUdeviceptr, const void *, size_t);
static CUresult (*pMemcpyDtoH)(void *, CUdeviceptr, size_t);
static CUresult (*pLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                                 CUstream, void **, void **);
static CUresult (*pCtxSynchronize)(void);

#define CHECK(call) do { CUresult r_ = (call); if (r_ != CUDA_SUCCESS) { \
    fprintf(stderr, "%s: CUDA error %d in %s\n", dir, (int) r_, #call); return 1; } } while (0)

static void *need(void *lib, const char *name) {
    void *f = dlsym(lib, name);
    if (!f) { fprintf(stderr, "libcuda has no %s\n", name); exit(2); }
    return f;
}

static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc(n + 1);
    if (fread(data, 1, n, f) != (size_t) n) { fclose(f); free(data); return NULL; }
    data[n] = 0;
    fclose(f);
    if (size) *size = n;
    return data;
}

/* The bytes of one element of dtype. */
static int width(const char *dtype) {
    if (!strcmp(dtype, "float64") || !strcmp(dtype, "int64")) return 8;
    if (!strcmp(dtype, "float32") || !strcmp(dtype, "int32")) return 4;
    return !strcmp(dtype, "float16") ? 2 : 1;
}

/* Whether the element of w bytes at p is a NaN of float dtype (never for the integer dtypes). */
static int is_nan(const char *dtype, const char *p) {
    if (!strcmp(dtype, "float64")) { double x; memcpy(&x, p, 8); return isnan(x); }
    if (!strcmp(dtype, "float32")) { float x; memcpy(&x, p, 4); return isnan(x); }
    if (!strcmp(dtype, "float16")) {
        unsigned short h; memcpy(&h, p, 2);
        return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
    }
    return 0;
}

/* Element i of two buffers of dtype equal, any NaN matching any NaN (the GPU's NaNs carry other payloads). */
static int same(const char *dtype, const char *a, const char *b, size_t i) {
    int w = width(dtype);
    return (is_nan(dtype, a + w * i) && is_nan(dtype, b + w * i)) || !memcmp(a + w * i, b + w * i, w);
}

static void dump(const char *dtype, const char *actual, const char *expected, size_t i) {
    int w = width(dtype);
    unsigned long long a = 0, e = 0;
    memcpy(&a, actual + w * i, w);
    memcpy(&e, expected + w * i, w);
    fprintf(stderr, "  GPU 0x%llx, interpreter 0x%llx\n", a, e);
}

static int run_case(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/module.ptx", dir);
    char *ptx = slurp(path, NULL);
    snprintf(path, sizeof path, "%s/launch.txt", dir);
    char *launch = slurp(path, NULL);
    if (!ptx || !launch) { fprintf(stderr, "%s: missing module.ptx or launch.txt\n", dir); return 1; }
    char log[8192] = "";
    CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, (void *) (size_t) sizeof log};
    CUmodule module;
    CUresult loaded = pModuleLoadDataEx(&module, ptx, 2, options, values);
    if (loaded != CUDA_SUCCESS) { fprintf(stderr, "%s: module load failed (%d): %s\n", dir, (int) loaded, log); return 1; }
    int n = 0, m = 0;
    CUdeviceptr buffers[64];
    int alias[64];
    char dtypes[64][16];
    size_t bytes[64];
    int sizes[16];
    int failures = 0;
    char *save;
    for (char *line = strtok_r(launch, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "buffer ", 7)) {
            /* buffer ID DTYPE BYTES [alias FIRST]: an alias shares FIRST's storage, as the buffer plan says. */
            int id, first = -1; size_t size; char dtype[16];
            int fields = sscanf(line + 7, "%d %15s %zu alias %d", &id, dtype, &size, &first);
            if (fields < 3 || id < 0 || id >= 64 || (fields == 4 && (first < 0 || first >= id))) {
                fprintf(stderr, "%s: bad line '%s'\n", dir, line);
                return 1;
            }
            strcpy(dtypes[id], dtype);
            bytes[id] = size;
            alias[id] = fields == 4 ? first : id;
            n = id + 1;
            if (alias[id] != id) {
                buffers[id] = buffers[first];
                continue;
            }
            snprintf(path, sizeof path, "%s/in_%d.bin", dir, id);
            char *data = slurp(path, NULL);
            CHECK(pMemAlloc(&buffers[id], size ? size : 1));
            if (size) CHECK(pMemcpyHtoD(buffers[id], data, size));
            free(data);
        } else if (!strncmp(line, "sizes", 5)) {
            char *p = line + 5;
            int read;
            while (sscanf(p, "%d%n", &sizes[m], &read) == 1) { m++; p += read; }
        } else if (!strncmp(line, "kernel ", 7)) {
            /* kernel NAME COUNT BLOCKS THREADS ID...: the entry takes the listed buffers' addresses and the
               sizes by value; it is launched on the grid the interpreter ran it on, so that a block's
               threads combine a reduction in the same order. */
            char name[256]; unsigned count, blocks, threads;
            int read;
            if (sscanf(line + 7, "%255s %u %u %u%n", name, &count, &blocks, &threads, &read) != 4) {
                fprintf(stderr, "%s: bad line '%s'\n", dir, line);
                return 1;
            }
            CUdeviceptr slots[64];
            int k = 0, id;
            for (char *p = line + 7 + read; k < 64 && sscanf(p, "%d%n", &id, &read) == 1; p += read) {
                if (id < 0 || id >= n) { fprintf(stderr, "%s: bad buffer id in '%s'\n", dir, line); return 1; }
                slots[k++] = buffers[id];
            }
            CUdeviceptr status;
            int code = 0;
            CHECK(pMemAlloc(&status, 4));
            CHECK(pMemcpyHtoD(status, &code, 4));
            CUfunction f;
            CHECK(pModuleGetFunction(&f, module, name));
            void *args[] = {slots, sizes, &count, &status};
            CHECK(pLaunchKernel(f, blocks, 1, 1, threads, 1, 1, 0, 0, args, NULL));
            CHECK(pCtxSynchronize());
            CHECK(pMemcpyDtoH(&code, status, 4));
            if (code != 0) {
                fprintf(stderr, "%s: kernel %s reported error %d\n", dir, name, code);
                failures++;
            }
            pMemFree(status);
        }
    }
    for (int id = 0; id < n; id++) {
        char *actual = malloc(bytes[id] + 1);
        if (bytes[id]) CHECK(pMemcpyDtoH(actual, buffers[id], bytes[id]));
        snprintf(path, sizeof path, "%s/expected_%d.bin", dir, id);
        char *expected = slurp(path, NULL);
        int w = width(dtypes[id]);
        for (size_t i = 0; i < bytes[id] / w; i++) {
            if (!same(dtypes[id], actual, expected, i)) {
                fprintf(stderr, "%s: buffer %d (%s) element %zu differs\n", dir, id, dtypes[id], i);
                dump(dtypes[id], actual, expected, i);
                failures++;
                break;
            }
        }
        free(actual);
        free(expected);
    }
    for (int id = 0; id < n; id++) {
        if (alias[id] == id) pMemFree(buffers[id]); /* after every alias of it was read */
    }
    pModuleUnload(module);
    free(ptx);
    free(launch);
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    void *lib = dlopen("libcuda.so.1", RTLD_NOW);
    if (!lib) { fprintf(stderr, "no CUDA driver: %s\n", dlerror()); return 2; }
    pInit = need(lib, "cuInit");
    pDeviceGet = need(lib, "cuDeviceGet");
    pDeviceGetName = need(lib, "cuDeviceGetName");
    pPrimaryCtxRetain = need(lib, "cuDevicePrimaryCtxRetain");
    pCtxSetCurrent = need(lib, "cuCtxSetCurrent");
    pModuleLoadDataEx = need(lib, "cuModuleLoadDataEx");
    pModuleUnload = need(lib, "cuModuleUnload");
    pModuleGetFunction = need(lib, "cuModuleGetFunction");
    pMemAlloc = need(lib, "cuMemAlloc_v2");
    pMemFree = need(lib, "cuMemFree_v2");
    pMemcpyHtoD = need(lib, "cuMemcpyHtoD_v2");
    pMemcpyDtoH = need(lib, "cuMemcpyDtoH_v2");
    pLaunchKernel = need(lib, "cuLaunchKernel");
    pCtxSynchronize = need(lib, "cuCtxSynchronize");
    const char *dir = "driver";
    CUdevice device;
    CUcontext context;
    CHECK(pInit(0));
    CHECK(pDeviceGet(&device, 0));
    char name[256];
    CHECK(pDeviceGetName(name, sizeof name, device));
    CHECK(pPrimaryCtxRetain(&context, device));
    CHECK(pCtxSetCurrent(context));
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        failed += run_case(argv[i]);
    }
    printf("%s: %d of %d cases equal the PTX interpreter's results\n", name, argc - 1 - failed, argc - 1);
    return failed ? 1 : 0;
}
