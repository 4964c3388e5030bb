/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * _tome.c - the CPython extension over libtome: the reader (memory mode
 * over a buffer or a mapped file, callback mode over a file object) and
 * the packer.  tome/__init__.py wraps it; docs/PYTHON.md is the manual.
 *
 * Threads.  A tome_reader must not be used by two threads at once, so an
 * archive keeps a pool of readers, each with its own workspace: every
 * call takes one from the pool (opening a new one when none is idle) and
 * gives it back.  The pool is only touched with the GIL held.  In memory
 * mode the GIL is released while the library decompresses; in callback
 * mode it is kept (the read callback calls the file object's Python
 * methods), and a per-archive I/O lock makes each seek+readinto pair
 * atomic, taken without holding the GIL while waiting.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tome.h"
#include "tome_pack.h"

/* ---- errors ---------------------------------------------------------- */

typedef struct {
    int code;
    const char *name;
    const char *text;
    PyObject *cls;
} error_class;

#define ERROR_ITEM(name, value, text) {value, #name, text, NULL},
static error_class error_classes[] = {
    TOME_ERROR_LIST(ERROR_ITEM) TOME_PACK_ERROR_LIST(ERROR_ITEM)};
#undef ERROR_ITEM
#define N_ERROR_CLASSES (sizeof error_classes / sizeof error_classes[0])

static PyObject *Error;     /* tome.Error */
static PyObject *PackError; /* tome.PackError, base of TOME_PACK_ERR_* */

/* tome_part values 0..9, in order. */
static const char *const part_names[] = {"file",    "dictionary", "block_table", "names",
                                         "aliases", "search",     "block",       "article",
                                         "meta",    "bindings"};
#define N_PART_NAMES (sizeof part_names / sizeof part_names[0])

static error_class *find_error(int code)
{
    size_t i;
    for (i = 0; i < N_ERROR_CLASSES; i++)
        if (error_classes[i].code == code && error_classes[i].cls)
            return &error_classes[i];
    return NULL;
}

/* "TOME_ERR_NOT_FOUND" -> "NotFoundError", "TOME_PACK_ERR_IO" ->
 * "PackIoError": the C code's words, without TOME and ERR. */
static void class_name(const char *code_name, char *out, size_t cap)
{
    const char *p = code_name;
    size_t n = 0;
    int start = 1;
    if (strncmp(p, "TOME_", 5) == 0)
        p += 5;
    for (; *p && n + 6 < cap; p++) {
        if (strncmp(p, "ERR_", 4) == 0 && start) {
            p += 3;
            continue;
        }
        if (*p == '_') {
            start = 1;
            continue;
        }
        out[n++] = start ? *p : (char)(*p - 'A' + 'a');
        start = 0;
    }
    memcpy(out + n, "Error", 6);
}

/* Raise the class of `code`, message "NAME: text (context)". */
static PyObject *raise_code(int code, const char *context)
{
    error_class *e = find_error(code);
    const char *name = e ? e->name : tome_error_name(code);
    const char *text = e ? e->text : tome_error_text(code);
    PyObject *msg;
    if (context && *context)
        msg = PyUnicode_FromFormat("%s: %s (%s)", name, text, context);
    else
        msg = PyUnicode_FromFormat("%s: %s", name, text);
    if (!msg)
        return NULL;
    if (e) {
        PyErr_SetObject(e->cls, msg);
    } else {
        /* not in the list: a plain tome.Error carrying the number */
        PyObject *exc = PyObject_CallOneArg(Error, msg), *v;
        if (exc) {
            v = PyLong_FromLong(code);
            if (v && PyObject_SetAttrString(exc, "code", v) == 0)
                PyErr_SetObject(Error, exc);
            Py_XDECREF(v);
            Py_DECREF(exc);
        }
    }
    Py_DECREF(msg);
    return NULL;
}

static PyObject *raise_id(int code, uint32_t id)
{
    char context[32];
    snprintf(context, sizeof context, "article %lu", (unsigned long)id);
    return raise_code(code, context);
}

/* ---- the archive ------------------------------------------------------ */

enum { MODE_BUFFER, MODE_MAP, MODE_FILE };
/* Idle readers kept per archive; more are opened when more threads read at
 * once, and closed again when given back. */
#define POOL_KEEP 8

typedef struct Archive Archive;

typedef struct slot {
    struct slot *next;
    Archive *archive;
    tome_reader *reader;
    PyObject *pending; /* exception raised inside the read callback */
    unsigned char workspace[];
} slot;

struct Archive {
    PyObject_HEAD
    int mode;
    int closed;
    int source_live;   /* the bytes (buffer, map or file) are still held */
    Py_buffer view;    /* MODE_BUFFER */
    void *map;         /* MODE_MAP */
    size_t map_size;
    PyObject *file;    /* MODE_FILE: the object, and its bound methods */
    PyObject *readinto;
    PyObject *seek;
    PyThread_type_lock io_lock;
    const void *data;
    uint64_t size;
    uint32_t flags;
    size_t workspace_size;
    tome_archive_info info;
    slot *idle;
    int idle_count;
    int busy;          /* readers out of the pool */
};

static PyTypeObject ArchiveType;
static PyTypeObject IterType;

static int file_read(void *user, uint64_t offset, void *dst, size_t len);

static void take_pending(slot *s)
{
    PyObject *type, *value, *tb;
    if (s->pending) {
        PyErr_Clear();
        return;
    }
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && tb)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    s->pending = value;
}

/* Raise for `code` returned by a call on slot `s`: a ReadError caused by
 * the Python exception of the read callback, when there was one. */
static PyObject *slot_error(slot *s, int code, uint32_t id, int with_id)
{
    PyObject *cause = s ? s->pending : NULL;
    PyObject *type, *value, *tb;
    if (s)
        s->pending = NULL;
    if (with_id)
        raise_id(code, id);
    else
        raise_code(code, NULL);
    if (cause) {
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (value) {
            Py_INCREF(cause);
            PyException_SetCause(value, cause);
            PyException_SetContext(value, cause);
        }
        PyErr_Restore(type, value, tb);
    }
    return NULL;
}

static void source_free(Archive *a)
{
    if (!a->source_live)
        return;
    a->source_live = 0;
    if (a->mode == MODE_BUFFER)
        PyBuffer_Release(&a->view);
    else if (a->mode == MODE_MAP && a->map)
        munmap(a->map, a->map_size);
    a->map = NULL;
    Py_CLEAR(a->readinto);
    Py_CLEAR(a->seek);
    Py_CLEAR(a->file);
    a->data = NULL;
}

static void slot_free(slot *s)
{
    Py_CLEAR(s->pending);
    PyMem_RawFree(s);
}

static tome_config archive_config(Archive *a, slot *s)
{
    tome_config c;
    memset(&c, 0, sizeof c);
    if (a->mode == MODE_FILE) {
        c.read = file_read;
        c.user = s;
    } else {
        c.data = a->data;
    }
    c.size = a->size;
    c.flags = a->flags;
    return c;
}

/* A reader for this call (GIL held).  NULL with an exception set. */
static slot *acquire(Archive *a)
{
    slot *s;
    tome_config c;
    int err;
    if (a->closed) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on a closed archive");
        return NULL;
    }
    if (a->idle) {
        s = a->idle;
        a->idle = s->next;
        a->idle_count--;
        a->busy++;
        return s;
    }
    s = PyMem_RawMalloc(sizeof *s + a->workspace_size);
    if (!s) {
        PyErr_NoMemory();
        return NULL;
    }
    memset(s, 0, sizeof *s);
    s->archive = a;
    a->busy++; /* the source stays while this reader opens */
    c = archive_config(a, s);
    c.workspace = s->workspace;
    c.workspace_size = a->workspace_size;
    if (a->mode == MODE_FILE) {
        err = tome_open(&s->reader, &c);
    } else {
        Py_BEGIN_ALLOW_THREADS
        err = tome_open(&s->reader, &c);
        Py_END_ALLOW_THREADS
    }
    if (err) {
        slot_error(s, err, 0, 0);
        a->busy--;
        slot_free(s);
        if (a->closed && a->busy == 0)
            source_free(a);
        return NULL;
    }
    return s;
}

static void release(Archive *a, slot *s)
{
    a->busy--;
    Py_CLEAR(s->pending);
    if (a->closed || a->idle_count >= POOL_KEEP) {
        slot_free(s);
    } else {
        s->next = a->idle;
        a->idle = s;
        a->idle_count++;
    }
    if (a->closed && a->busy == 0)
        source_free(a);
}

/* Run a library call: without the GIL in memory mode, with it in callback
 * mode (the callback calls Python). */
#define CALL(a, stmt)                                                                  \
    do {                                                                               \
        if ((a)->mode == MODE_FILE) {                                                  \
            stmt;                                                                      \
        } else {                                                                       \
            Py_BEGIN_ALLOW_THREADS stmt;                                               \
            Py_END_ALLOW_THREADS                                                       \
        }                                                                              \
    } while (0)

/* Take the I/O lock without holding the GIL while waiting. */
static void io_lock(Archive *a)
{
    if (!PyThread_acquire_lock(a->io_lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(a->io_lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
}

/* The read callback of callback mode: file.seek(offset), then readinto
 * until `len` bytes came.  Called with the GIL held. */
static int file_read(void *user, uint64_t offset, void *dst, size_t len)
{
    slot *s = user;
    Archive *a = s->archive;
    PyObject *r, *view, *rr;
    size_t done = 0;
    Py_ssize_t got;
    int ok = 0;
    if (s->pending || !a->seek)
        return -1;
    io_lock(a);
    r = PyObject_CallFunction(a->seek, "K", (unsigned long long)offset);
    if (!r)
        goto out;
    Py_DECREF(r);
    while (done < len) {
        view = PyMemoryView_FromMemory((char *)dst + done, (Py_ssize_t)(len - done),
                                       PyBUF_WRITE);
        if (!view)
            goto out;
        r = PyObject_CallOneArg(a->readinto, view);
        /* the file object must not keep our workspace */
        if (r) {
            rr = PyObject_CallMethod(view, "release", NULL);
        } else {
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            rr = PyObject_CallMethod(view, "release", NULL);
            Py_XDECREF(rr);
            PyErr_Restore(type, value, tb);
            rr = NULL;
        }
        Py_DECREF(view);
        if (!r || !rr) {
            Py_XDECREF(r);
            Py_XDECREF(rr);
            goto out;
        }
        Py_DECREF(rr);
        if (r == Py_None) {
            Py_DECREF(r);
            PyErr_SetString(PyExc_BlockingIOError, "readinto returned None (no data yet)");
            goto out;
        }
        got = PyLong_AsSsize_t(r);
        Py_DECREF(r);
        if (got < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_OSError, "readinto returned a negative count");
            goto out;
        }
        if (got == 0) {
            PyErr_Format(PyExc_EOFError, "file ended at byte %llu (%zu more bytes wanted)",
                         (unsigned long long)(offset + done), len - done);
            goto out;
        }
        if ((size_t)got > len - done) {
            PyErr_SetString(PyExc_OSError, "readinto returned more bytes than asked for");
            goto out;
        }
        done += (size_t)got;
    }
    ok = 1;
out:
    PyThread_release_lock(a->io_lock);
    if (!ok) {
        take_pending(s);
        return -1;
    }
    return 0;
}

static int open_path(Archive *a, PyObject *path)
{
    PyObject *bytes = NULL;
    struct stat sb;
    int fd;
    if (!PyUnicode_FSConverter(path, &bytes))
        return -1;
    Py_BEGIN_ALLOW_THREADS
    fd = open(PyBytes_AS_STRING(bytes), O_RDONLY | O_CLOEXEC);
    Py_END_ALLOW_THREADS
    if (fd < 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        Py_DECREF(bytes);
        return -1;
    }
    Py_DECREF(bytes);
    if (fstat(fd, &sb) != 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        PyErr_Format(PyExc_OSError, "%R is not a regular file", path);
        return -1;
    }
    if ((uint64_t)sb.st_size > SIZE_MAX) {
        close(fd);
        PyErr_Format(PyExc_OSError, "%R is too big to map", path);
        return -1;
    }
    a->mode = MODE_MAP;
    a->size = (uint64_t)sb.st_size;
    if (sb.st_size == 0) {
        static const unsigned char empty[1];
        a->data = empty; /* tome_open then says what is wrong */
    } else {
        a->map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (a->map == MAP_FAILED) {
            a->map = NULL;
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
            close(fd);
            return -1;
        }
        a->map_size = (size_t)sb.st_size;
        a->data = a->map;
    }
    close(fd);
    a->source_live = 1;
    return 0;
}

static int open_file_object(Archive *a, PyObject *file)
{
    PyObject *end;
    long long size;
    a->readinto = PyObject_GetAttrString(file, "readinto");
    a->seek = PyObject_GetAttrString(file, "seek");
    if (!a->readinto || !a->seek)
        return -1;
    end = PyObject_CallFunction(a->seek, "ii", 0, 2);
    if (!end)
        return -1;
    size = PyLong_AsLongLong(end);
    Py_DECREF(end);
    if (size < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_OSError, "seek(0, 2) returned a negative size");
        return -1;
    }
    a->io_lock = PyThread_allocate_lock();
    if (!a->io_lock) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(file);
    a->file = file;
    a->mode = MODE_FILE;
    a->size = (uint64_t)size;
    a->source_live = 1;
    return 0;
}

static int Archive_init(Archive *a, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"source", "trust_content", "dict_tables", NULL};
    PyObject *source;
    int trust = 0, tables = 1, err;
    slot probe;
    tome_config c;
    slot *s;
    if (a->source_live || a->closed) {
        PyErr_SetString(PyExc_RuntimeError, "an archive is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$pp", kwlist, &source, &trust,
                                     &tables))
        return -1;
    a->flags = (trust ? TOME_OPEN_TRUST_CONTENT : 0u) | (tables ? 0u : TOME_OPEN_NO_DICT_TABLES);
    if (PyUnicode_Check(source) || PyObject_HasAttrString(source, "__fspath__")) {
        if (open_path(a, source))
            return -1;
    } else if (PyObject_CheckBuffer(source)) {
        if (PyObject_GetBuffer(source, &a->view, PyBUF_SIMPLE))
            return -1;
        a->mode = MODE_BUFFER;
        a->data = a->view.buf;
        a->size = (uint64_t)a->view.len;
        a->source_live = 1;
    } else if (PyObject_HasAttrString(source, "readinto") &&
               PyObject_HasAttrString(source, "seek")) {
        if (open_file_object(a, source))
            return -1;
    } else {
        PyErr_Format(PyExc_TypeError,
                     "tome.open() takes a path, a bytes-like object or a binary file "
                     "with readinto() and seek(), not %.100s",
                     Py_TYPE(source)->tp_name);
        return -1;
    }
    memset(&probe, 0, sizeof probe);
    probe.archive = a;
    c = archive_config(a, &probe);
    CALL(a, err = tome_workspace_size(&c, &a->workspace_size));
    if (err) {
        slot_error(&probe, err, 0, 0);
        source_free(a);
        return -1;
    }
    s = acquire(a);
    if (!s) {
        source_free(a);
        return -1;
    }
    tome_info(s->reader, &a->info);
    release(a, s);
    return 0;
}

static void Archive_dealloc(Archive *a)
{
    slot *s;
    while ((s = a->idle)) {
        a->idle = s->next;
        slot_free(s);
    }
    source_free(a);
    if (a->io_lock)
        PyThread_free_lock(a->io_lock);
    Py_TYPE(a)->tp_free((PyObject *)a);
}

static PyObject *Archive_close(Archive *a, PyObject *unused)
{
    slot *s;
    (void)unused;
    a->closed = 1;
    while ((s = a->idle)) {
        a->idle = s->next;
        a->idle_count--;
        slot_free(s);
    }
    if (a->busy == 0)
        source_free(a);
    Py_RETURN_NONE;
}

static PyObject *Archive_get_closed(Archive *a, void *unused)
{
    (void)unused;
    return PyBool_FromLong(a->closed);
}

static PyObject *Archive_get_mode(Archive *a, void *unused)
{
    (void)unused;
    return PyUnicode_FromString(a->mode == MODE_FILE ? "callback"
                                : a->mode == MODE_MAP ? "mmap" : "memory");
}

static int check_open(Archive *a)
{
    if (a->closed) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on a closed archive");
        return -1;
    }
    return 0;
}

static Py_ssize_t Archive_len(Archive *a)
{
    if (check_open(a))
        return -1;
    return (Py_ssize_t)a->info.article_count;
}

/* An article ID from a Python int; negative counts from the end. */
static int get_id(Archive *a, PyObject *obj, uint32_t *id)
{
    Py_ssize_t i;
    if (!PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "an article ID is an int, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    i = PyNumber_AsSsize_t(obj, NULL);
    if (i == -1 && PyErr_Occurred())
        return -1;
    if (i < 0)
        i += (Py_ssize_t)a->info.article_count;
    if (i < 0 || (size_t)i > UINT32_MAX) {
        raise_code(TOME_ERR_RANGE, "ID out of range");
        return -1;
    }
    *id = (uint32_t)i;
    return 0;
}

/* A key as UTF-8 bytes (str) or raw bytes.  Borrowed pointer. */
static int get_key(PyObject *obj, const char **key, Py_ssize_t *size)
{
    if (PyUnicode_Check(obj)) {
        *key = PyUnicode_AsUTF8AndSize(obj, size);
        return *key ? 0 : -1;
    }
    if (PyBytes_Check(obj)) {
        *key = PyBytes_AS_STRING(obj);
        *size = PyBytes_GET_SIZE(obj);
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "a key is a str or bytes, not %.100s", Py_TYPE(obj)->tp_name);
    return -1;
}

/* The body of article `id` as bytes, on reader `s`. */
static PyObject *fetch_bytes(Archive *a, slot *s, uint32_t id)
{
    tome_article art;
    PyObject *out;
    size_t size = 0;
    int err;
    CALL(a, err = tome_stat(s->reader, id, &art));
    if (err)
        return slot_error(s, err, id, 1);
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)art.size);
    if (!out)
        return NULL;
    CALL(a, err = tome_fetch(s->reader, id, PyBytes_AS_STRING(out), art.size, &size));
    if (!err && size != art.size)
        err = TOME_ERR_CORRUPT;
    if (err) {
        Py_DECREF(out);
        return slot_error(s, err, id, 1);
    }
    return out;
}

static int find_id(Archive *a, slot *s, PyObject *keyobj, uint32_t *id)
{
    const char *key;
    Py_ssize_t size;
    int err;
    if (get_key(keyobj, &key, &size))
        return -1;
    CALL(a, err = tome_find(s->reader, key, (size_t)size, id));
    if (err) {
        if (err == TOME_ERR_NOT_FOUND && !s->pending) {
            PyObject *msg = PyUnicode_FromFormat("no article has the key %R", keyobj);
            error_class *e = find_error(err);
            if (msg && e)
                PyErr_SetObject(e->cls, msg);
            Py_XDECREF(msg);
        } else {
            slot_error(s, err, 0, 0);
        }
        return -1;
    }
    return 0;
}

static PyObject *Archive_getitem(Archive *a, PyObject *item)
{
    slot *s;
    uint32_t id;
    PyObject *out = NULL;
    int by_key = PyUnicode_Check(item) || PyBytes_Check(item);
    if (!by_key && get_id(a, item, &id))
        return NULL;
    if (!(s = acquire(a)))
        return NULL;
    if (!by_key || find_id(a, s, item, &id) == 0)
        out = fetch_bytes(a, s, id);
    release(a, s);
    return out;
}

static int Archive_contains(Archive *a, PyObject *item)
{
    slot *s;
    uint32_t id;
    int found = -1;
    if (check_open(a))
        return -1;
    if (PyIndex_Check(item)) {
        Py_ssize_t i = PyNumber_AsSsize_t(item, NULL);
        if (i == -1 && PyErr_Occurred())
            return -1;
        return i >= 0 && (size_t)i < a->info.article_count;
    }
    if (!(s = acquire(a)))
        return -1;
    if (find_id(a, s, item, &id) == 0) {
        found = 1;
    } else {
        error_class *e = find_error(TOME_ERR_NOT_FOUND);
        if (PyErr_ExceptionMatches(e->cls)) {
            PyErr_Clear();
            found = 0;
        }
    }
    release(a, s);
    return found;
}

static PyObject *Archive_find(Archive *a, PyObject *key)
{
    slot *s;
    uint32_t id;
    int err;
    if (!(s = acquire(a)))
        return NULL;
    err = find_id(a, s, key, &id);
    release(a, s);
    return err ? NULL : PyLong_FromUnsignedLong(id);
}

static PyObject *Archive_fetch_into(Archive *a, PyObject *args)
{
    PyObject *idobj;
    Py_buffer buf;
    slot *s;
    uint32_t id;
    size_t size = 0;
    int err;
    if (!PyArg_ParseTuple(args, "Ow*:fetch_into", &idobj, &buf))
        return NULL;
    if (get_id(a, idobj, &id) || !(s = acquire(a))) {
        PyBuffer_Release(&buf);
        return NULL;
    }
    CALL(a, err = tome_fetch(s->reader, id, buf.buf, (size_t)buf.len, &size));
    PyBuffer_Release(&buf);
    if (err == TOME_ERR_BUFFER) {
        char context[96];
        PyObject *type, *value, *tb, *needed;
        snprintf(context, sizeof context, "article %lu needs %zu bytes, the buffer has %zd",
                 (unsigned long)id, size, buf.len);
        release(a, s);
        raise_code(err, context);
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        needed = PyLong_FromSize_t(size);
        if (value && needed)
            PyObject_SetAttrString(value, "needed", needed);
        Py_XDECREF(needed);
        PyErr_Restore(type, value, tb);
        return NULL;
    }
    if (err) {
        slot_error(s, err, id, 1);
        release(a, s);
        return NULL;
    }
    release(a, s);
    return PyLong_FromSize_t(size);
}

static PyObject *Archive_read(Archive *a, PyObject *args)
{
    PyObject *idobj, *out;
    unsigned long long offset;
    Py_ssize_t len;
    slot *s;
    uint32_t id;
    int err;
    if (!PyArg_ParseTuple(args, "OKn:read", &idobj, &offset, &len))
        return NULL;
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "negative length");
        return NULL;
    }
    if (get_id(a, idobj, &id) || !(out = PyBytes_FromStringAndSize(NULL, len)))
        return NULL;
    if (!(s = acquire(a))) {
        Py_DECREF(out);
        return NULL;
    }
    CALL(a, err = tome_read(s->reader, id, offset, PyBytes_AS_STRING(out), (size_t)len));
    if (err) {
        slot_error(s, err, id, 1);
        Py_CLEAR(out);
    }
    release(a, s);
    return out;
}

/* key or title of `id` as str; None for an absent title. */
static PyObject *name_of(Archive *a, slot *s, uint32_t id, int title)
{
    size_t cap = (title ? a->info.title_size_max : a->info.key_size_max) + 1u;
    char *buf = PyMem_RawMalloc(cap);
    PyObject *out = NULL;
    int err;
    if (!buf)
        return PyErr_NoMemory();
    CALL(a, err = title ? tome_title(s->reader, id, buf, cap) : tome_key(s->reader, id, buf, cap));
    if (err)
        slot_error(s, err, id, 1);
    else if (title && !buf[0])
        out = Py_NewRef(Py_None);
    else
        out = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)strlen(buf), "surrogateescape");
    PyMem_RawFree(buf);
    return out;
}

static PyObject *name_method(Archive *a, PyObject *idobj, int title)
{
    slot *s;
    uint32_t id;
    PyObject *out;
    if (get_id(a, idobj, &id) || !(s = acquire(a)))
        return NULL;
    out = name_of(a, s, id, title);
    release(a, s);
    return out;
}

static PyObject *Archive_key(Archive *a, PyObject *id) { return name_method(a, id, 0); }
static PyObject *Archive_title(Archive *a, PyObject *id) { return name_method(a, id, 1); }

static PyObject *Archive_stat(Archive *a, PyObject *idobj)
{
    slot *s;
    uint32_t id;
    tome_article art;
    int err;
    if (get_id(a, idobj, &id) || !(s = acquire(a)))
        return NULL;
    CALL(a, err = tome_stat(s->reader, id, &art));
    if (err) {
        slot_error(s, err, id, 1);
        release(a, s);
        return NULL;
    }
    release(a, s);
    return Py_BuildValue("{s:k,s:k,s:k,s:k,s:k,s:k}", "size", (unsigned long)art.size,
                         "key_size", (unsigned long)art.key_size, "title_size",
                         (unsigned long)art.title_size, "alias_count",
                         (unsigned long)art.alias_count, "block", (unsigned long)art.block,
                         "body", (unsigned long)art.body);
}

static PyObject *Archive_info(Archive *a, PyObject *unused)
{
    const tome_archive_info *i = &a->info;
    (void)unused;
    if (check_open(a))
        return NULL;
#define U(f) #f, (unsigned long long)i->f
    return Py_BuildValue(
        "{s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,"
        "s:K,s:K}",
        U(format_major), U(format_minor), U(file_size), U(article_count), U(body_count),
        U(alias_count), U(search_count), U(meta_count), U(block_count), U(index_frame_count),
        U(name_leaf_count), U(block_size_max), U(index_size_max), U(chunk_size_max),
        U(article_size_max), U(key_size_max), U(title_size_max), U(fold_size_max),
        U(dict_size), U(raw_size), U(stored_size),
        "workspace_size", (unsigned long long)a->workspace_size);
#undef U
}

/* str of a NUL-terminated name, bytes that are not UTF-8 kept as
 * surrogates (as keys are). */
static PyObject *text_of(const char *buf)
{
    return PyUnicode_DecodeUTF8(buf, (Py_ssize_t)strlen(buf), "surrogateescape");
}

/* aliases(id) -> list of the article's aliases (str), in stored order. */
static PyObject *Archive_aliases(Archive *a, PyObject *idobj)
{
    slot *s;
    uint32_t id, n;
    tome_article art;
    size_t cap = a->info.key_size_max + 1u;
    char *buf;
    PyObject *list = NULL, *item;
    int err;
    if (get_id(a, idobj, &id) || !(s = acquire(a)))
        return NULL;
    if (!(buf = PyMem_RawMalloc(cap))) {
        release(a, s);
        return PyErr_NoMemory();
    }
    CALL(a, err = tome_stat(s->reader, id, &art));
    if (err) {
        slot_error(s, err, id, 1);
        goto out;
    }
    if (!(list = PyList_New(0)))
        goto out;
    for (n = 0; n < art.alias_count; n++) {
        CALL(a, err = tome_alias(s->reader, id, n, buf, cap));
        if (err) {
            slot_error(s, err, id, 1);
            Py_CLEAR(list);
            goto out;
        }
        if (!(item = text_of(buf)) || PyList_Append(list, item)) {
            Py_XDECREF(item);
            Py_CLEAR(list);
            goto out;
        }
        Py_DECREF(item);
    }
out:
    PyMem_RawFree(buf);
    release(a, s);
    return list;
}

/* _search(query, flags, limit) -> [(id, key, title or None), ...]: each
 * article once (at its first match, in the search tree's order), at most
 * `limit` articles (0: all). */
static PyObject *Archive_search(Archive *a, PyObject *args)
{
    PyObject *queryobj, *list = NULL, *item, *key, *title;
    const char *query;
    Py_ssize_t query_size;
    unsigned long flags;
    unsigned long long limit;
    unsigned char *seen = NULL;
    tome_search search;
    tome_match m;
    Py_ssize_t found = 0;
    slot *s;
    int err;
    if (!PyArg_ParseTuple(args, "OkK:_search", &queryobj, &flags, &limit))
        return NULL;
    if (get_key(queryobj, &query, &query_size) || !(s = acquire(a)))
        return NULL;
    seen = PyMem_RawCalloc(a->info.article_count / 8u + 1u, 1);
    if (!seen || !(list = PyList_New(0))) {
        if (!seen)
            PyErr_NoMemory();
        goto out;
    }
    CALL(a, err = tome_search_start(s->reader, &search, query, (size_t)query_size,
                                    (uint32_t)flags));
    if (err == TOME_ERR_NOT_FOUND && !s->pending) {
        error_class *e = find_error(err);
        PyErr_SetString(e->cls, "TOME_ERR_NOT_FOUND: the archive has no search index");
        Py_CLEAR(list);
        goto out;
    }
    if (err == TOME_ERR_ARGUMENT) {
        raise_code(err, "the query is not UTF-8, or longer than 256 bytes once folded");
        Py_CLEAR(list);
        goto out;
    }
    while (err == TOME_OK && (limit == 0 || (unsigned long long)found < limit)) {
        CALL(a, err = tome_search_next(s->reader, &search, &m));
        if (err != TOME_OK)
            break;
        if (m.id >= a->info.article_count) {
            err = TOME_ERR_CORRUPT;
            break;
        }
        if (seen[m.id / 8u] & (1u << (m.id % 8u)))
            continue;
        seen[m.id / 8u] |= (unsigned char)(1u << (m.id % 8u));
        if (!(key = name_of(a, s, m.id, 0)))
            goto fail;
        if (!(title = name_of(a, s, m.id, 1))) {
            Py_DECREF(key);
            goto fail;
        }
        if (!(item = Py_BuildValue("(kNN)", (unsigned long)m.id, key, title)))
            goto fail;
        if (PyList_Append(list, item)) {
            Py_DECREF(item);
            goto fail;
        }
        Py_DECREF(item);
        found++;
    }
    if (err != TOME_OK && err != TOME_DONE) {
        slot_error(s, err, 0, 0);
        goto fail;
    }
    goto out;
fail:
    Py_CLEAR(list);
out:
    PyMem_RawFree(seen);
    release(a, s);
    return list;
}

/* _metadata() -> {name: value} of every metadata pair. */
static PyObject *Archive_metadata(Archive *a, PyObject *unused)
{
    size_t cap = (size_t)a->info.index_size_max + 1u;
    char *name, *value;
    PyObject *dict = NULL, *k, *v;
    uint32_t i;
    slot *s;
    int err = TOME_OK;
    (void)unused;
    if (!(s = acquire(a)))
        return NULL;
    name = PyMem_RawMalloc(cap);
    value = PyMem_RawMalloc(cap);
    if (!name || !value) {
        PyErr_NoMemory();
        goto out;
    }
    if (!(dict = PyDict_New()))
        goto out;
    for (i = 0; i < a->info.meta_count; i++) {
        CALL(a, err = tome_meta_at(s->reader, i, name, cap, value, cap));
        if (err) {
            slot_error(s, err, 0, 0);
            Py_CLEAR(dict);
            goto out;
        }
        k = text_of(name);
        v = k ? text_of(value) : NULL;
        if (!v || PyDict_SetItem(dict, k, v)) {
            Py_XDECREF(k);
            Py_XDECREF(v);
            Py_CLEAR(dict);
            goto out;
        }
        Py_DECREF(k);
        Py_DECREF(v);
    }
out:
    PyMem_RawFree(name);
    PyMem_RawFree(value);
    release(a, s);
    return dict;
}

/* tome_sizes_of(): the compressed bytes of each part. */
static PyObject *Archive_sizes(Archive *a, PyObject *unused)
{
    tome_sizes z;
    slot *s;
    int err;
    (void)unused;
    if (!(s = acquire(a)))
        return NULL;
    CALL(a, err = tome_sizes_of(s->reader, &z));
    if (err) {
        slot_error(s, err, 0, 0);
        release(a, s);
        return NULL;
    }
    release(a, s);
    return Py_BuildValue("{s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K}", "dictionary",
                         (unsigned long long)z.dictionary, "bodies", (unsigned long long)z.bodies,
                         "names", (unsigned long long)z.names, "aliases",
                         (unsigned long long)z.aliases, "search", (unsigned long long)z.search,
                         "metadata", (unsigned long long)z.metadata, "table",
                         (unsigned long long)z.table, "damaged", (unsigned long long)z.damaged);
}

typedef struct {
    uint32_t (*items)[3]; /* part, index, error */
    size_t count, cap;
    int failed;
} damage_list;

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    damage_list *d = user;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        void *p = realloc(d->items, cap * sizeof *d->items);
        if (!p) {
            d->failed = 1;
            return;
        }
        d->items = p;
        d->cap = cap;
    }
    d->items[d->count][0] = (uint32_t)part;
    d->items[d->count][1] = index;
    d->items[d->count][2] = (uint32_t)error;
    d->count++;
}

/* (damage, report): damage a list of (part name, index or None, error
 * name); report the counts of tome_verify_report.  Raises only when the
 * archive could not be read at all (ReadError). */
static PyObject *Archive_verify(Archive *a, PyObject *unused)
{
    damage_list d = {NULL, 0, 0, 0};
    tome_verify_report rep;
    PyObject *list = NULL, *out = NULL, *item;
    slot *s;
    size_t k;
    int err;
    (void)unused;
    if (!(s = acquire(a)))
        return NULL;
    memset(&rep, 0, sizeof rep);
    CALL(a, err = tome_verify(s->reader, on_damage, &d, &rep));
    if (err && err != TOME_ERR_DAMAGED) {
        slot_error(s, err, 0, 0);
        goto out;
    }
    if (d.failed) {
        PyErr_NoMemory();
        goto out;
    }
    if (!(list = PyList_New((Py_ssize_t)d.count)))
        goto out;
    for (k = 0; k < d.count; k++) {
        uint32_t part = d.items[k][0], index = d.items[k][1];
        int code = (int)(int32_t)d.items[k][2];
        item = Py_BuildValue("(sNs)", part < N_PART_NAMES ? part_names[part] : "unknown",
                             index == TOME_NO_INDEX ? Py_NewRef(Py_None)
                                                    : PyLong_FromUnsignedLong(index),
                             tome_error_name(code));
        if (!item)
            goto out;
        PyList_SET_ITEM(list, (Py_ssize_t)k, item);
    }
    out = Py_BuildValue("(O{s:k,s:k,s:k,s:k})", list, "damaged_parts",
                        (unsigned long)rep.damaged_parts, "damaged_blocks",
                        (unsigned long)rep.damaged_blocks, "damaged_articles",
                        (unsigned long)rep.damaged_articles, "checked_articles",
                        (unsigned long)rep.checked_articles);
out:
    Py_XDECREF(list);
    free(d.items);
    release(a, s);
    return out;
}

/* ---- iteration in storage order --------------------------------------- */

typedef struct {
    PyObject_HEAD
    Archive *archive;
    slot *slot;      /* one reader for the whole walk: each block once */
    uint32_t cursor;
    int done;
} Iter;

static PyObject *Archive_iter(Archive *a)
{
    Iter *it;
    slot *s;
    if (!(s = acquire(a)))
        return NULL;
    it = PyObject_New(Iter, &IterType);
    if (!it) {
        release(a, s);
        return NULL;
    }
    Py_INCREF(a);
    it->archive = a;
    it->slot = s;
    it->cursor = 0;
    it->done = 0;
    return (PyObject *)it;
}

static void iter_finish(Iter *it)
{
    if (it->slot) {
        release(it->archive, it->slot);
        it->slot = NULL;
    }
    it->done = 1;
}

static void Iter_dealloc(Iter *it)
{
    iter_finish(it);
    Py_XDECREF(it->archive);
    PyObject_Free(it);
}

static PyObject *Iter_next(Iter *it)
{
    Archive *a = it->archive;
    slot *s = it->slot;
    PyObject *key, *body;
    uint32_t id;
    int err;
    if (it->done)
        return NULL;
    if (a->closed) {
        iter_finish(it);
        PyErr_SetString(PyExc_ValueError, "I/O operation on a closed archive");
        return NULL;
    }
    CALL(a, err = tome_next(s->reader, &it->cursor, &id));
    if (err == TOME_DONE) {
        iter_finish(it);
        return NULL;
    }
    if (err) {
        slot_error(s, err, 0, 0);
        iter_finish(it);
        return NULL;
    }
    if (!(key = name_of(a, s, id, 0)))
        return NULL;
    if (!(body = fetch_bytes(a, s, id))) {
        Py_DECREF(key);
        return NULL;
    }
    return Py_BuildValue("(kNN)", (unsigned long)id, key, body);
}

static PyTypeObject IterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tome._tome.ArchiveIterator",
    .tp_basicsize = sizeof(Iter),
    .tp_dealloc = (destructor)Iter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Iterator over (id, key, body) in storage order.",
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Iter_next,
};

static PyMethodDef Archive_methods[] = {
    {"close", (PyCFunction)Archive_close, METH_NOARGS,
     "Close the archive; readers in use finish first."},
    {"find", (PyCFunction)Archive_find, METH_O, "find(key) -> ID of the article with this key."},
    {"key", (PyCFunction)Archive_key, METH_O, "key(id) -> the article's key (str)."},
    {"title", (PyCFunction)Archive_title, METH_O,
     "title(id) -> the article's title (str), or None."},
    {"stat", (PyCFunction)Archive_stat, METH_O, "stat(id) -> dict of tome_article fields."},
    {"fetch_into", (PyCFunction)Archive_fetch_into, METH_VARARGS,
     "fetch_into(id, buffer) -> bytes written; decompresses into a writable buffer."},
    {"read", (PyCFunction)Archive_read, METH_VARARGS,
     "read(id, offset, size) -> bytes of a part of an article (checked)."},
    {"info", (PyCFunction)Archive_info, METH_NOARGS, "info() -> dict of tome_archive_info."},
    {"sizes", (PyCFunction)Archive_sizes, METH_NOARGS,
     "sizes() -> dict of compressed bytes per part (tome_sizes_of): dictionary, bodies, "
     "names, aliases, search, metadata, table, and damaged records."},
    {"_verify", (PyCFunction)Archive_verify, METH_NOARGS, "(damage list, report dict)"},
    {"aliases", (PyCFunction)Archive_aliases, METH_O,
     "aliases(id) -> list of the article's aliases (str)."},
    {"_search", (PyCFunction)Archive_search, METH_VARARGS,
     "_search(query, flags, limit) -> [(id, key, title), ...]"},
    {"_metadata", (PyCFunction)Archive_metadata, METH_NOARGS, "{name: value}"},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Archive_getset[] = {
    {"closed", (getter)Archive_get_closed, NULL, "True after close().", NULL},
    {"mode", (getter)Archive_get_mode, NULL, "'mmap', 'memory' or 'callback'.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PySequenceMethods Archive_as_sequence = {
    .sq_length = (lenfunc)Archive_len,
    .sq_contains = (objobjproc)Archive_contains,
};

static PyMappingMethods Archive_as_mapping = {
    .mp_length = (lenfunc)Archive_len,
    .mp_subscript = (binaryfunc)Archive_getitem,
};

static PyTypeObject ArchiveType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tome._tome.Archive",
    .tp_basicsize = sizeof(Archive),
    .tp_dealloc = (destructor)Archive_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A tome archive open for reading (see tome.open).",
    .tp_as_sequence = &Archive_as_sequence,
    .tp_as_mapping = &Archive_as_mapping,
    .tp_iter = (getiterfunc)Archive_iter,
    .tp_methods = Archive_methods,
    .tp_getset = Archive_getset,
    .tp_init = (initproc)Archive_init,
    .tp_new = PyType_GenericNew,
};

/* ---- packing -------------------------------------------------------- */

static void pack_progress(void *user, const char *stage, uint64_t done, uint64_t total)
{
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *r = PyObject_CallFunction((PyObject *)user, "sKK", stage,
                                        (unsigned long long)done, (unsigned long long)total);
    if (r)
        Py_DECREF(r);
    else
        PyErr_WriteUnraisable((PyObject *)user); /* the packer cannot be stopped */
    PyGILState_Release(g);
}

/* Bytes of a str (UTF-8) or a bytes-like object; `view` is released by the
 * caller when view->obj is set. */
static int text_bytes(PyObject *obj, const char *what, Py_ssize_t n, const char **p,
                      Py_ssize_t *size, Py_buffer *view)
{
    view->obj = NULL;
    if (PyUnicode_Check(obj)) {
        *p = PyUnicode_AsUTF8AndSize(obj, size);
        return *p ? 0 : -1;
    }
    if (PyObject_CheckBuffer(obj)) {
        if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE))
            return -1;
        *p = view->buf;
        *size = view->len;
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "article %zd: \"%s\" must be str or bytes, not %.100s", n,
                 what, Py_TYPE(obj)->tp_name);
    return -1;
}

static PyObject *item_get(PyObject *item, const char *name)
{
    PyObject *v;
    if (PyDict_Check(item)) {
        v = PyDict_GetItemString(item, name); /* borrowed */
        Py_XINCREF(v);
        return v;
    }
    v = PyMapping_GetItemString(item, name);
    if (!v && PyErr_ExceptionMatches(PyExc_KeyError))
        PyErr_Clear();
    return v;
}

/* The aliases of article `n` (any iterable of str or UTF-8 bytes), each
 * one more key of `key`. */
static int pack_aliases(tome_packer *p, PyObject *aliases, const char *key, Py_ssize_t key_size,
                        Py_ssize_t n, const char *source, int *pack_err)
{
    PyObject *iter = PyObject_GetIter(aliases), *alias;
    int rc = 0, err;
    if (!iter) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "article %zd: \"aliases\" must be a list of str, not "
                         "%.100s", n, Py_TYPE(aliases)->tp_name);
        }
        return -1;
    }
    while (rc == 0 && (alias = PyIter_Next(iter))) {
        Py_buffer av;
        const char *a = NULL;
        Py_ssize_t a_size = 0;
        if (text_bytes(alias, "aliases", n, &a, &a_size, &av)) {
            rc = -1;
        } else {
            err = tome_pack_add_alias(p, a, (size_t)a_size, key, (size_t)key_size, source);
            if (err) {
                *pack_err = err;
                rc = -1;
            }
            if (av.obj)
                PyBuffer_Release(&av);
        }
        Py_DECREF(alias);
    }
    Py_DECREF(iter);
    return rc || PyErr_Occurred() ? -1 : 0;
}

/* The archive's metadata pairs from a mapping {name: value} (str). */
static int pack_metadata(tome_packer *p, PyObject *metadata, int *pack_err)
{
    PyObject *items = PyMapping_Items(metadata), *pair;
    Py_ssize_t i, n;
    int err;
    if (!items)
        return -1;
    n = PyList_GET_SIZE(items);
    for (i = 0; i < n; i++) {
        const char *name, *value;
        Py_ssize_t name_size, value_size;
        pair = PyList_GET_ITEM(items, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0)) ||
            !PyUnicode_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "metadata names and values are str");
            Py_DECREF(items);
            return -1;
        }
        name = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(pair, 0), &name_size);
        value = name ? PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(pair, 1), &value_size) : NULL;
        if (!value) {
            Py_DECREF(items);
            return -1;
        }
        if (strlen(name) != (size_t)name_size || strlen(value) != (size_t)value_size) {
            PyErr_SetString(PyExc_ValueError, "a metadata name or value holds NUL");
            Py_DECREF(items);
            return -1;
        }
        if ((err = tome_pack_meta(p, name, value)) != TOME_PACK_OK) {
            *pack_err = err;
            Py_DECREF(items);
            return -1;
        }
    }
    Py_DECREF(items);
    return 0;
}

/* Add one article (a dict or an (id, text[, title]) tuple). */
static int pack_item(tome_packer *p, PyObject *item, Py_ssize_t n, int *pack_err)
{
    PyObject *id = NULL, *text = NULL, *title = NULL, *aliases = NULL;
    Py_buffer kv, tv, bv;
    const char *key = NULL, *tit = NULL, *body = NULL;
    Py_ssize_t key_size = 0, title_size = 0, body_size = 0;
    char source[48];
    int rc = -1, err;
    kv.obj = tv.obj = bv.obj = NULL;
    if (PyTuple_Check(item) || PyList_Check(item)) {
        Py_ssize_t len = PySequence_Fast_GET_SIZE(item);
        if (len != 2 && len != 3) {
            PyErr_Format(PyExc_ValueError,
                         "article %zd: a tuple is (id, text) or (id, text, title), not %zd items",
                         n, len);
            return -1;
        }
        id = Py_NewRef(PySequence_Fast_GET_ITEM(item, 0));
        text = Py_NewRef(PySequence_Fast_GET_ITEM(item, 1));
        if (len == 3)
            title = Py_NewRef(PySequence_Fast_GET_ITEM(item, 2));
    } else if (PyDict_Check(item) || PyObject_HasAttrString(item, "keys")) {
        if (!(id = item_get(item, "id")) && PyErr_Occurred())
            goto out;
        if (!(text = item_get(item, "text")) && PyErr_Occurred())
            goto out;
        if (!(title = item_get(item, "title")) && PyErr_Occurred())
            goto out;
        if (!(aliases = item_get(item, "aliases")) && PyErr_Occurred())
            goto out;
        if (!id || !text) {
            PyErr_Format(PyExc_ValueError, "article %zd: a dict needs \"id\" and \"text\"", n);
            goto out;
        }
        if (aliases == Py_None)
            Py_CLEAR(aliases);
        if (aliases && (PyUnicode_Check(aliases) || PyBytes_Check(aliases))) {
            PyErr_Format(PyExc_TypeError,
                         "article %zd: \"aliases\" is a list of str, not a single string", n);
            goto out;
        }
    } else {
        PyErr_Format(PyExc_TypeError,
                     "article %zd: expected a dict or a tuple (id, text[, title]), not %.100s",
                     n, Py_TYPE(item)->tp_name);
        return -1;
    }
    if (text_bytes(id, "id", n, &key, &key_size, &kv) ||
        text_bytes(text, "text", n, &body, &body_size, &bv))
        goto out;
    if (title && title != Py_None && text_bytes(title, "title", n, &tit, &title_size, &tv))
        goto out;
    snprintf(source, sizeof source, "article %zd", n);
    err = tome_pack_add(p, key, (size_t)key_size, tit, (size_t)title_size, body,
                        (size_t)body_size, source);
    if (err) {
        *pack_err = err;
        goto out;
    }
    if (aliases && pack_aliases(p, aliases, key, key_size, n, source, pack_err))
        goto out;
    rc = 0;
out:
    if (kv.obj)
        PyBuffer_Release(&kv);
    if (tv.obj)
        PyBuffer_Release(&tv);
    if (bv.obj)
        PyBuffer_Release(&bv);
    Py_XDECREF(id);
    Py_XDECREF(text);
    Py_XDECREF(title);
    Py_XDECREF(aliases);
    return rc;
}

static PyObject *raise_pack(tome_packer *p, int err)
{
    error_class *e = find_error(err);
    PyErr_SetString(e ? e->cls : PackError, tome_packer_message(p));
    return NULL;
}

static PyObject *mod_pack(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"output", "articles", "block_size", "level", "dict",
                             "dict_size", "threads", "check", "cluster", "ram_budget",
                             "progress", "metadata", "memory", "inputs", "shards", "plan",
                             "shard", NULL};
    PyObject *path = NULL, *articles, *iter = NULL, *item, *progress = Py_None, *out = NULL;
    PyObject *metadata = Py_None, *inputs = Py_None, *plan = NULL;
    unsigned long shards = 0;
    long shard = -1;
    tome_pack_plan_stats ps;
    char *temp_dir = NULL;
    unsigned long long memory = 0;
    tome_pack_options o;
    tome_pack_stats st;
    tome_packer *p = NULL;
    unsigned long block_size, dict_size;
    int dict_mode, err = 0;
    Py_ssize_t ram = 0, n = 0;
    (void)self;
    tome_pack_options_default(&o);
    block_size = o.block_size;
    dict_size = o.dict_size;
    dict_mode = (int)o.dict;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&O|$kiikippnOOKOkO&l:pack", kwlist,
                                     PyUnicode_FSConverter, &path, &articles, &block_size,
                                     &o.level, &dict_mode, &dict_size, &o.threads, &o.check,
                                     &o.cluster, &ram, &progress, &metadata, &memory, &inputs,
                                     &shards, PyUnicode_FSConverter, &plan, &shard))
        return NULL;
    if (inputs != Py_None && !PySequence_Check(inputs)) {
        PyErr_SetString(PyExc_TypeError, "inputs is a list of paths");
        goto out;
    }
    if ((plan && (shards || metadata != Py_None)) || shards > 999999 || shard > 999998 ||
        (shard >= 0) != (plan != NULL)) {
        PyErr_SetString(PyExc_ValueError,
                        "a plan is made with shards (1..999999) and metadata, and used with "
                        "plan and shard (0..999998) together");
        goto out;
    }
    if (block_size < 1 || block_size > (1ul << 30) || o.level < 1 || o.level > 22 ||
        dict_size < 256 || dict_size > (1ul << 30) || o.threads < 0 || o.threads > 64 ||
        ram < 0 || dict_mode < TOME_DICT_AUTO || dict_mode > TOME_DICT_ON) {
        PyErr_SetString(PyExc_ValueError,
                        "options out of range: block_size 1..1G, level 1..22, dict_size "
                        "256..1G, threads 0..64 (0 = all cores), ram_budget >= 0");
        goto out;
    }
    o.block_size = (uint32_t)block_size;
    o.dict_size = (uint32_t)dict_size;
    o.dict = (tome_dict_mode)dict_mode;
    o.ram_budget = (size_t)ram;
    o.memory = memory;
    {
        /* spill beside the output, as `tome pack` does: /tmp is often RAM */
        const char *out_path = PyBytes_AS_STRING(path), *slash = strrchr(out_path, '/');
        size_t n_dir = slash ? (size_t)(slash - out_path) : 0;
        if (!(temp_dir = PyMem_Malloc(n_dir + 2))) {
            PyErr_NoMemory();
            goto out;
        }
        if (!slash)
            strcpy(temp_dir, ".");
        else if (n_dir == 0)
            strcpy(temp_dir, "/");
        else {
            memcpy(temp_dir, out_path, n_dir);
            temp_dir[n_dir] = '\0';
        }
        o.temp_dir = temp_dir;
    }
    if (progress != Py_None) {
        if (!PyCallable_Check(progress)) {
            PyErr_SetString(PyExc_TypeError, "progress must be callable");
            goto out;
        }
        o.progress = pack_progress;
        o.progress_user = progress;
    }
    if (!(iter = PyObject_GetIter(articles)))
        goto out;
    if (metadata != Py_None && !PyDict_Check(metadata) &&
        !PyObject_HasAttrString(metadata, "items")) {
        PyErr_SetString(PyExc_TypeError, "metadata is a dict {name: value}");
        goto out;
    }
    if (!(p = tome_packer_new(&o))) {
        PyErr_NoMemory();
        goto out;
    }
    if (plan && (err = tome_pack_use_plan(p, PyBytes_AS_STRING(plan), (uint32_t)shard))) {
        raise_pack(p, err);
        goto out;
    }
    if (metadata != Py_None && pack_metadata(p, metadata, &err)) {
        if (err)
            raise_pack(p, err);
        goto out;
    }
    if (inputs != Py_None) {
        Py_ssize_t k, count = PySequence_Size(inputs);
        for (k = 0; k < count && !err; k++) {
            PyObject *one = PySequence_GetItem(inputs, k), *fs = NULL;
            if (!one || !PyUnicode_FSConverter(one, &fs)) {
                Py_XDECREF(one);
                goto out;
            }
            Py_DECREF(one);
            Py_BEGIN_ALLOW_THREADS
            err = tome_pack_add_path(p, PyBytes_AS_STRING(fs));
            Py_END_ALLOW_THREADS
            Py_DECREF(fs);
        }
        if (err) {
            raise_pack(p, err);
            goto out;
        }
    }
    /* one article at a time: the iterable is never turned into a list */
    while ((item = PyIter_Next(iter))) {
        int rc = pack_item(p, item, n++, &err);
        Py_DECREF(item);
        if (rc) {
            if (err)
                raise_pack(p, err);
            goto out;
        }
        if ((n & 4095) == 0 && PyErr_CheckSignals())
            goto out;
    }
    if (PyErr_Occurred())
        goto out;
    Py_BEGIN_ALLOW_THREADS
    if (plan)
        err = tome_pack_write_shard(p, PyBytes_AS_STRING(path), &st);
    else if (shards)
        err = tome_pack_write_plan(p, PyBytes_AS_STRING(path), (uint32_t)shards, &ps);
    else
        err = tome_pack_write(p, PyBytes_AS_STRING(path), &st);
    Py_END_ALLOW_THREADS
    if (err) {
        raise_pack(p, err);
        goto out;
    }
    if (shards) {
        out = Py_BuildValue("{s:k,s:k,s:k,s:k,s:K,s:K,s:s}", "shards", (unsigned long)ps.shards,
                            "articles", (unsigned long)ps.articles, "aliases",
                            (unsigned long)ps.aliases, "dict_size", (unsigned long)ps.dict_size,
                            "raw_bytes", (unsigned long long)ps.raw_bytes, "plan_bytes",
                            (unsigned long long)ps.plan_bytes, "set_id", ps.set_id);
        goto out;
    }
    out = Py_BuildValue("{s:k,s:k,s:k,s:k,s:k,s:K,s:K,s:K,s:K,s:k,s:k,s:K,s:n,s:n}",
                        "articles", (unsigned long)st.articles, "bodies",
                        (unsigned long)st.bodies, "aliases", (unsigned long)st.aliases,
                        "blocks", (unsigned long)st.blocks, "index_frames",
                        (unsigned long)st.index_frames, "raw_bytes",
                        (unsigned long long)st.raw_bytes, "index_bytes",
                        (unsigned long long)st.index_bytes, "stored_bytes",
                        (unsigned long long)st.stored_bytes, "dedup_saved",
                        (unsigned long long)st.dedup_saved, "dict_size",
                        (unsigned long)st.dict_size, "near_duplicate_groups",
                        (unsigned long)st.near_duplicate_groups, "archive_bytes",
                        (unsigned long long)st.archive_bytes, "workspace_memory",
                        (Py_ssize_t)st.workspace_memory, "workspace_callback",
                        (Py_ssize_t)st.workspace_callback);
out:
    if (p)
        tome_packer_free(p);
    PyMem_Free(temp_dir);
    Py_XDECREF(iter);
    Py_XDECREF(path);
    Py_XDECREF(plan);
    return out;
}

static PyObject *mod_join(PyObject *self, PyObject *args)
{
    PyObject *plan = NULL, *path = NULL, *out = NULL;
    tome_pack_options o;
    tome_pack_set_stats ss;
    tome_packer *p;
    int err;
    (void)self;
    if (!PyArg_ParseTuple(args, "O&O&:join", PyUnicode_FSConverter, &plan, PyUnicode_FSConverter,
                          &path))
        goto done;
    tome_pack_options_default(&o);
    if (!(p = tome_packer_new(&o))) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    err = tome_pack_join(p, PyBytes_AS_STRING(plan), PyBytes_AS_STRING(path), &ss);
    Py_END_ALLOW_THREADS
    if (err)
        raise_pack(p, err);
    else
        out = Py_BuildValue("{s:k,s:k,s:k,s:K,s:K,s:K}", "volumes", (unsigned long)ss.volumes,
                            "articles", (unsigned long)ss.articles, "aliases",
                            (unsigned long)ss.aliases, "volume_bytes",
                            (unsigned long long)ss.volume_bytes, "largest_volume",
                            (unsigned long long)ss.largest_volume, "index_bytes",
                            (unsigned long long)ss.index_bytes);
    tome_packer_free(p);
done:
    Py_XDECREF(plan);
    Py_XDECREF(path);
    return out;
}

static PyObject *mod_volume_name(PyObject *self, PyObject *args)
{
    PyObject *path = NULL, *out = NULL;
    unsigned long volume;
    char *buf;
    size_t need;
    (void)self;
    if (!PyArg_ParseTuple(args, "O&k:volume_name", PyUnicode_FSConverter, &path, &volume))
        return NULL;
    if (volume > 0xFFFFFFFFul) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_ValueError, "a volume number is below 2**32");
        return NULL;
    }
    need = tome_pack_volume_name(PyBytes_AS_STRING(path), (uint32_t)volume, NULL, 0) + 1;
    if ((buf = PyMem_Malloc(need))) {
        tome_pack_volume_name(PyBytes_AS_STRING(path), (uint32_t)volume, buf, need);
        out = PyUnicode_DecodeFSDefault(buf);
        PyMem_Free(buf);
    } else {
        PyErr_NoMemory();
    }
    Py_DECREF(path);
    return out;
}

/* ---- module --------------------------------------------------------- */

static PyObject *mod_error_name(PyObject *self, PyObject *arg)
{
    long code = PyLong_AsLong(arg);
    (void)self;
    if (code == -1 && PyErr_Occurred())
        return NULL;
    if (code <= -100)
        return PyUnicode_FromString(tome_pack_error_name((int)code));
    return PyUnicode_FromString(tome_error_name((int)code));
}

static PyMethodDef module_methods[] = {
    {"pack", (PyCFunction)(void (*)(void))mod_pack, METH_VARARGS | METH_KEYWORDS,
     "pack(output, articles, **options) -> stats dict"},
    {"join", (PyCFunction)mod_join, METH_VARARGS, "join(plan, output) -> set stats dict"},
    {"volume_name", (PyCFunction)mod_volume_name, METH_VARARGS,
     "volume_name(set_path, volume) -> the volume's file name"},
    {"error_name", (PyCFunction)mod_error_name, METH_O, "error_name(code) -> 'TOME_ERR_...'"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_tome", "The C half of the tome package.", -1, module_methods,
    NULL, NULL, NULL, NULL};

static PyObject *new_class(PyObject *module, const char *name, PyObject *bases,
                           const char *doc, int code, const char *code_name)
{
    char qualified[96];
    PyObject *dict = PyDict_New(), *cls = NULL, *v;
    if (!dict)
        return NULL;
    if (code_name) {
        v = PyLong_FromLong(code);
        if (!v || PyDict_SetItemString(dict, "code", v)) {
            Py_XDECREF(v);
            goto out;
        }
        Py_DECREF(v);
        v = PyUnicode_FromString(code_name);
        if (!v || PyDict_SetItemString(dict, "name", v)) {
            Py_XDECREF(v);
            goto out;
        }
        Py_DECREF(v);
    }
    snprintf(qualified, sizeof qualified, "tome.%s", name);
    cls = PyErr_NewExceptionWithDoc(qualified, doc, bases, dict);
    if (cls && PyModule_AddObjectRef(module, name, cls)) {
        Py_CLEAR(cls);
    }
out:
    Py_DECREF(dict);
    return cls;
}

PyMODINIT_FUNC PyInit__tome(void)
{
    PyObject *m, *codes, *bases, *v;
    size_t i;
    char name[64];
    if (PyType_Ready(&ArchiveType) < 0 || PyType_Ready(&IterType) < 0)
        return NULL;
    if (!(m = PyModule_Create(&module_def)))
        return NULL;
    if (PyModule_AddObjectRef(m, "Archive", (PyObject *)&ArchiveType))
        goto fail;
    Error = new_class(m, "Error", NULL,
                      "Base of every tome error; .code is the C code, .name its name.", 0, NULL);
    if (!Error)
        goto fail;
    if (PyObject_SetAttrString(Error, "code", Py_None) ||
        PyObject_SetAttrString(Error, "name", Py_None))
        goto fail;
    PackError = new_class(m, "PackError", Error, "Base of the packer's errors (TOME_PACK_ERR_*).",
                          0, NULL);
    if (!PackError)
        goto fail;
    if (!(codes = PyDict_New()) || PyModule_AddObject(m, "errors", codes)) {
        Py_XDECREF(codes);
        goto fail;
    }
    for (i = 0; i < N_ERROR_CLASSES; i++) {
        error_class *e = &error_classes[i];
        PyObject *base = e->code <= -100 ? PackError : Error;
        if (e->code >= 0)
            continue; /* TOME_OK, TOME_DONE, TOME_PACK_OK */
        class_name(e->name, name, sizeof name);
        if (e->code == TOME_ERR_RANGE)
            bases = PyTuple_Pack(2, base, PyExc_IndexError);
        else if (e->code == TOME_ERR_NOT_FOUND)
            bases = PyTuple_Pack(2, base, PyExc_KeyError);
        else
            bases = PyTuple_Pack(1, base);
        if (!bases)
            goto fail;
        e->cls = new_class(m, name, bases, e->text, e->code, e->name);
        Py_DECREF(bases);
        if (!e->cls)
            goto fail;
        v = PyLong_FromLong(e->code);
        if (!v || PyDict_SetItem(codes, v, e->cls)) {
            Py_XDECREF(v);
            goto fail;
        }
        Py_DECREF(v);
    }
    if (PyModule_AddStringConstant(m, "library_version", tome_version_string()) ||
        PyModule_AddIntConstant(m, "format_version", (long)tome_format_version()) ||
        PyModule_AddIntConstant(m, "SEARCH_KEYS", (long)TOME_SEARCH_KEYS) ||
        PyModule_AddIntConstant(m, "SEARCH_TITLES", (long)TOME_SEARCH_TITLES) ||
        PyModule_AddIntConstant(m, "SEARCH_ALIASES", (long)TOME_SEARCH_ALIASES) ||
        PyModule_AddIntConstant(m, "SEARCH_EXACT", (long)TOME_SEARCH_EXACT) ||
        PyModule_AddIntConstant(m, "QUERY_MAX", (long)TOME_QUERY_MAX))
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
