/*
 * A stand-in for libcuda.so.1 that lets the tests drive the project's JavaCPP binding on a machine
 * without a GPU: one fake device, device memory in host memory, modules that only remember their
 * PTX, streams that are only handles, and launches that write a line to $FAKE_CUDA_LOG (entry,
 * grid, block, the point count, whether the first buffer address is set, the stream) and store $FAKE_CUDA_STATUS into the
 * status word instead of running code.
 * Only the calls the runtime makes are here; anything else stays unresolved.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum { SUCCESS = 0, INVALID_VALUE = 1, INVALID_PTX = 218, NOT_FOUND = 500 };
enum { ATTR_CLOCK_KHZ = 13, ATTR_SM_COUNT = 16, ATTR_MEMORY_CLOCK_KHZ = 36, ATTR_BUS_BITS = 37, ATTR_CC_MAJOR = 75,
       ATTR_CC_MINOR = 76 };
enum { JIT_ERROR_LOG_BUFFER = 5, JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6 };

struct module { char *ptx; };
struct function { char name[256]; };

CUresult cuInit(unsigned flags) { return flags == 0 ? SUCCESS : INVALID_VALUE; }
CUresult cuDriverGetVersion(int *version) { *version = 13000; return SUCCESS; }
CUresult cuDeviceGetCount(int *count) { *count = 1; return SUCCESS; }
CUresult cuDeviceGet(int *device, int ordinal) { *device = ordinal; return ordinal == 0 ? SUCCESS : INVALID_VALUE; }

CUresult cuDeviceGetName(char *name, int length, int device) {
    snprintf(name, length, "Fake GPU %d", device);
    return SUCCESS;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
    switch (attribute) {
        case ATTR_SM_COUNT: *value = 4; return SUCCESS;
        case ATTR_CLOCK_KHZ: *value = 1000000; return SUCCESS;
        case ATTR_MEMORY_CLOCK_KHZ: *value = 1000000; return SUCCESS;
        case ATTR_BUS_BITS: *value = 256; return SUCCESS;
        case ATTR_CC_MAJOR: *value = 9; return SUCCESS;
        case ATTR_CC_MINOR: *value = 0; return SUCCESS;
        default: return INVALID_VALUE;
    }
}

CUresult cuDeviceTotalMem_v2(size_t *bytes, int device) { *bytes = (size_t) 1 << 30; return SUCCESS; }
CUresult cuDevicePrimaryCtxRetain(void **context, int device) { *context = (void *) 0x1000; return SUCCESS; }
CUresult cuCtxSetCurrent(void *context) { return context == (void *) 0x1000 ? SUCCESS : INVALID_VALUE; }
CUresult cuCtxSynchronize(void) { return SUCCESS; }

static uintptr_t streams;

CUresult cuStreamCreate(void **stream, unsigned flags) {
    *stream = (void *) (0x2000 + ++streams);
    return flags == 0 ? SUCCESS : INVALID_VALUE;
}

/* Appends a line to $FAKE_CUDA_COPIES, the ordered log of copies and synchronization. */
static void log_copy_line(const char *line) {
    const char *path = getenv("FAKE_CUDA_COPIES");
    if (path != NULL) {
        FILE *log = fopen(path, "a");
        fprintf(log, "%s\n", line);
        fclose(log);
    }
}

static int stream_number(void *stream) { return (int) ((uintptr_t) stream - 0x2000); }

CUresult cuStreamSynchronize(void *stream) {
    char line[64];
    snprintf(line, sizeof line, "sync s%d", stream_number(stream));
    log_copy_line(line);
    return stream != NULL ? SUCCESS : INVALID_VALUE;
}

static uintptr_t events;

CUresult cuEventCreate(void **event, unsigned flags) {
    *event = (void *) (0x3000 + ++events);
    return SUCCESS;
}

static int event_number(void *event) { return (int) ((uintptr_t) event - 0x3000); }

CUresult cuEventRecord(void *event, void *stream) {
    char line[64];
    snprintf(line, sizeof line, "record e%d s%d", event_number(event), stream_number(stream));
    log_copy_line(line);
    return stream != NULL ? SUCCESS : INVALID_VALUE;
}

CUresult cuStreamWaitEvent(void *stream, void *event, unsigned flags) {
    char line[64];
    snprintf(line, sizeof line, "wait s%d e%d", stream_number(stream), event_number(event));
    log_copy_line(line);
    return stream != NULL && flags == 0 ? SUCCESS : INVALID_VALUE;
}

CUresult cuEventSynchronize(void *event) {
    char line[64];
    snprintf(line, sizeof line, "sync e%d", event_number(event));
    log_copy_line(line);
    return SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr *address, size_t bytes) {
    void *p = calloc(1, bytes);
    *address = (CUdeviceptr) (uintptr_t) p;
    return p ? SUCCESS : 2;
}

CUresult cuMemFree_v2(CUdeviceptr address) { free((void *) (uintptr_t) address); return SUCCESS; }

/* Each copy logs "<direction> <bytes>", and " queued s<stream>" for a copy queued on a stream. */
static void count_copy(const char *direction, size_t bytes, void *stream) {
    char line[96];
    if (stream != NULL) {
        snprintf(line, sizeof line, "%s %zu queued s%d", direction, bytes, stream_number(stream));
    } else {
        snprintf(line, sizeof line, "%s %zu", direction, bytes);
    }
    log_copy_line(line);
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr to, const void *from, size_t bytes) {
    memcpy((void *) (uintptr_t) to, from, bytes);
    count_copy("HtoD", bytes, NULL);
    return SUCCESS;
}

CUresult cuMemcpyDtoH_v2(void *to, CUdeviceptr from, size_t bytes) {
    memcpy(to, (const void *) (uintptr_t) from, bytes);
    count_copy("DtoH", bytes, NULL);
    return SUCCESS;
}

CUresult cuMemcpyDtoD_v2(CUdeviceptr to, CUdeviceptr from, size_t bytes) {
    memcpy((void *) (uintptr_t) to, (const void *) (uintptr_t) from, bytes);
    count_copy("DtoD", bytes, NULL);
    return SUCCESS;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr to, const void *from, size_t bytes, void *stream) {
    memcpy((void *) (uintptr_t) to, from, bytes);
    count_copy("HtoD", bytes, stream);
    return stream != NULL ? SUCCESS : INVALID_VALUE;
}

CUresult cuMemcpyDtoHAsync_v2(void *to, CUdeviceptr from, size_t bytes, void *stream) {
    memcpy(to, (const void *) (uintptr_t) from, bytes);
    count_copy("DtoH", bytes, stream);
    return stream != NULL ? SUCCESS : INVALID_VALUE;
}

CUresult cuMemAllocHost_v2(void **pointer, size_t bytes) {
    *pointer = calloc(1, bytes);
    return *pointer ? SUCCESS : 2;
}

CUresult cuMemFreeHost(void *pointer) { free(pointer); return SUCCESS; }

CUresult cuModuleLoadDataEx(struct module **module, const void *image, unsigned count, int *options, void **values) {
    if (strstr(image, "fake-error") != NULL) {
        for (unsigned i = 0; i < count; i++) {
            if (options[i] == JIT_ERROR_LOG_BUFFER) {
                size_t size = 0;
                for (unsigned j = 0; j < count; j++) {
                    if (options[j] == JIT_ERROR_LOG_BUFFER_SIZE_BYTES) {
                        size = (size_t) (uintptr_t) values[j];
                    }
                }
                snprintf(values[i], size, "ptxas application ptx input, line 6; error   : fake-error here");
            }
        }
        return INVALID_PTX;
    }
    *module = malloc(sizeof(struct module));
    (*module)->ptx = strdup(image);
    return SUCCESS;
}

CUresult cuModuleGetFunction(struct function **function, struct module *module, const char *name) {
    char entry[300];
    snprintf(entry, sizeof entry, ".entry %s(", name);
    if (strstr(module->ptx, entry) == NULL) {
        return NOT_FOUND;
    }
    *function = malloc(sizeof(struct function));
    snprintf((*function)->name, sizeof (*function)->name, "%s", name);
    return SUCCESS;
}

CUresult cuLaunchKernel(struct function *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared, void *stream, void **parameters, void **extra) {
    uint64_t first_buffer = *(uint64_t *) parameters[0];
    uint32_t count = *(uint32_t *) parameters[2];
    uint64_t status = *(uint64_t *) parameters[3];
    const char *path = getenv("FAKE_CUDA_LOG");
    if (path != NULL) {
        FILE *log = fopen(path, "a");
        fprintf(log, "launch %s grid %ux%ux%u block %ux%ux%u count %u buffers[0] %s on %s stream\n", f->name,
                gx, gy, gz, bx, by, bz, count, first_buffer != 0 ? "set" : "null",
                stream != NULL ? "its own" : "the default");
        fclose(log);
    }
    const char *code = getenv("FAKE_CUDA_STATUS");
    if (code != NULL) {
        *(int32_t *) (uintptr_t) status = atoi(code);
    }
    return SUCCESS;
}

CUresult cuGetErrorName(CUresult error, const char **name) {
    switch (error) {
        case INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; return SUCCESS;
        case INVALID_PTX: *name = "CUDA_ERROR_INVALID_PTX"; return SUCCESS;
        case NOT_FOUND: *name = "CUDA_ERROR_NOT_FOUND"; return SUCCESS;
        default: return INVALID_VALUE;
    }
}

CUresult cuGetErrorString(CUresult error, const char **text) {
    switch (error) {
        case INVALID_VALUE: *text = "invalid argument"; return SUCCESS;
        case INVALID_PTX: *text = "a PTX JIT compilation failed"; return SUCCESS;
        case NOT_FOUND: *text = "named symbol not found"; return SUCCESS;
        default: return INVALID_VALUE;
    }
}
