/* linux.resources: the whole schema, parsed and generated so a spec
   round-trips.  The scalar members of each group are described by a
   table: parse, generate and "is anything set" walk the same one.  */
#include "oci/internal.h"

#include <stddef.h>
#include <string.h>

enum kind
{
  K_INT,  /* struct oci_int */
  K_UINT, /* struct oci_uint, up to MAX */
  K_BOOL, /* struct oci_bool */
  K_STR,  /* char * */
};

struct member
{
  const char *key;
  enum kind kind;
  size_t off;
  uint64_t max;
};

#define MEM(key, kind, field, max)                                                                 \
  {                                                                                                \
    key, kind, offsetof (struct oci_resources, field), max                                         \
  }

static const struct member memory_members[] = {
  MEM ("limit", K_INT, memory.limit, 0),
  MEM ("reservation", K_INT, memory.reservation, 0),
  MEM ("swap", K_INT, memory.swap, 0),
  MEM ("kernel", K_INT, memory.kernel, 0),
  MEM ("kernelTCP", K_INT, memory.kernel_tcp, 0),
  MEM ("swappiness", K_UINT, memory.swappiness, UINT64_MAX),
  MEM ("disableOOMKiller", K_BOOL, memory.disable_oom_killer, 0),
  MEM ("useHierarchy", K_BOOL, memory.use_hierarchy, 0),
  MEM ("checkBeforeUpdate", K_BOOL, memory.check_before_update, 0),
};

static const struct member cpu_members[] = {
  MEM ("shares", K_UINT, cpu.shares, UINT64_MAX),
  MEM ("quota", K_INT, cpu.quota, 0),
  MEM ("burst", K_UINT, cpu.burst, UINT64_MAX),
  MEM ("period", K_UINT, cpu.period, UINT64_MAX),
  MEM ("realtimeRuntime", K_INT, cpu.realtime_runtime, 0),
  MEM ("realtimePeriod", K_UINT, cpu.realtime_period, UINT64_MAX),
  MEM ("cpus", K_STR, cpu.cpus, 0),
  MEM ("mems", K_STR, cpu.mems, 0),
  MEM ("idle", K_INT, cpu.idle, 0),
};

static const struct member pids_members[] = {
  MEM ("limit", K_INT, pids.limit, 0),
};

static const struct member blkio_members[] = {
  MEM ("weight", K_UINT, block_io.weight, UINT16_MAX),
  MEM ("leafWeight", K_UINT, block_io.leaf_weight, UINT16_MAX),
};

static const struct member network_members[] = {
  MEM ("classID", K_UINT, network.class_id, UINT32_MAX),
};

#define WD(key, kind, field, max)                                                                  \
  {                                                                                                \
    key, kind, offsetof (struct oci_blkio_device, field), max                                      \
  }

static const struct member weight_device_members[] = {
  WD ("weight", K_UINT, weight, UINT16_MAX),
  WD ("leafWeight", K_UINT, leaf_weight, UINT16_MAX),
};

static const struct member throttle_members[] = {
  WD ("rate", K_UINT, rate, UINT64_MAX),
};

static const struct member rdma_members[] = {
  { "hcaHandles", K_UINT, offsetof (struct oci_rdma, hca_handles), UINT32_MAX },
  { "hcaObjects", K_UINT, offsetof (struct oci_rdma, hca_objects), UINT32_MAX },
};

/* Member M of the struct at BASE.  */
#define AT(base, m) ((char *)(base) + (m)->off)

static int
parse_members (void *base, const nook_json *obj, const char *field, const struct member *m,
               size_t n, nook_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *f = oci_subfield (field, m[i].key);
      void *p = AT (base, &m[i]);
      int r = 0;
      switch (m[i].kind)
        {
        case K_INT:
          r = oci_get_opt_int (obj, m[i].key, f, INT64_MIN, INT64_MAX, p, err);
          break;
        case K_UINT:
          r = oci_get_opt_uint (obj, m[i].key, f, m[i].max, p, err);
          break;
        case K_BOOL:
          r = oci_get_opt_bool (obj, m[i].key, f, p, err);
          break;
        case K_STR:
          r = oci_get_dup (obj, m[i].key, f, false, p, err);
          break;
        }
      if (r < 0)
        return -1;
    }
  return 0;
}

static void
gen_members (struct json_gen *g, const void *base, const struct member *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      const void *p = AT (base, &m[i]);
      switch (m[i].kind)
        {
        case K_INT:
          oci_gen_opt_int (g, m[i].key, *(const struct oci_int *)p);
          break;
        case K_UINT:
          oci_gen_opt_uint (g, m[i].key, *(const struct oci_uint *)p);
          break;
        case K_BOOL:
          oci_gen_opt_bool (g, m[i].key, *(const struct oci_bool *)p);
          break;
        case K_STR:
          oci_gen_opt_str (g, m[i].key, *(char *const *)p);
          break;
        }
    }
}

/* The first member of M set at BASE, or NULL.  */
static const char *
first_set (const void *base, const struct member *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      const void *p = AT (base, &m[i]);
      if (m[i].kind == K_STR ? *(char *const *)p != NULL : *(const bool *)p)
        return m[i].key;
    }
  return NULL;
}

/* Check OBJ has only the members of M plus EXTRA (NULL-terminated).  */
static int
check_members (const nook_json *obj, const char *field, const struct member *m, size_t n,
               const char *const *extra, nook_error_t *err)
{
  const char *known[16];
  size_t k = 0;

  for (size_t i = 0; i < n; i++)
    known[k++] = m[i].key;
  for (size_t i = 0; extra && extra[i]; i++)
    known[k++] = extra[i];
  known[k] = NULL;
  return oci_check_keys (obj, field, known, err);
}

/* OBJ.KEY, an object of the members M, parsed into BASE.  */
static int
parse_group (void *base, const nook_json *obj, const char *key, const char *field,
             const struct member *m, size_t n, const char *const *extra, nook_json **out,
             nook_error_t *err)
{
  nook_json *j = NULL;

  if (json_get_object (obj, key, field, false, &j, err) < 0)
    return -1;
  if (out)
    *out = j;
  if (j == NULL)
    return 0;
  return check_members (j, field, m, n, extra, err) < 0
                 || parse_members (base, j, field, m, n, err) < 0
             ? -1
             : 0;
}

/* ---- devices ---- */

static int
parse_device_rule (struct oci_device_rule *d, const nook_json *j, const char *field,
                   nook_error_t *err)
{
  static const char *const known[] = { "allow", "type", "major", "minor", "access", NULL };
  _cleanup_free_ char *fa = oci_subfield (field, "allow"), *ft = oci_subfield (field, "type"),
                      *fmaj = oci_subfield (field, "major"), *fmin = oci_subfield (field, "minor"),
                      *facc = oci_subfield (field, "access");

  if (!json_is_object (j))
    return nook_error (err, 0, "field `%s` is not an object", field);
  if (oci_check_keys (j, field, known, err) < 0
      || json_get_bool (j, "allow", fa, true, &d->allow, err) < 0
      || oci_get_dup (j, "type", ft, false, &d->type, err) < 0
      || oci_get_opt_int (j, "major", fmaj, -1, INT64_MAX, &d->major, err) < 0
      || oci_get_opt_int (j, "minor", fmin, -1, INT64_MAX, &d->minor, err) < 0
      || oci_get_dup (j, "access", facc, false, &d->access, err) < 0)
    return -1;
  if (d->type && strcmp (d->type, "a") && strcmp (d->type, "c") && strcmp (d->type, "b"))
    return nook_error (err, 0, "field `%s`: `%s` is not a, c or b", ft, d->type);
  if (d->access && (d->access[strspn (d->access, "rwm")] != '\0' || !*d->access))
    return nook_error (err, 0, "field `%s`: `%s` is not made of r, w and m", facc, d->access);
  return 0;
}

static int
parse_device_rules (struct oci_resources *r, const nook_json *obj, nook_error_t *err)
{
  nook_json *arr = NULL;

  if (json_get_array (obj, "devices", "linux.resources.devices", false, &arr, err) < 0)
    return -1;
  r->devices = xzalloc (sizeof (*r->devices) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      _cleanup_free_ char *f = xasprintf ("linux.resources.devices[%zu]", i);
      r->n_devices++;
      if (parse_device_rule (&r->devices[i], json_at (arr, i), f, err) < 0)
        return -1;
    }
  return 0;
}

static void
gen_device_rules (struct json_gen *g, const struct oci_resources *r)
{
  json_gen_key (g, "devices");
  json_gen_array_open (g);
  for (size_t i = 0; i < r->n_devices; i++)
    {
      const struct oci_device_rule *d = &r->devices[i];
      json_gen_object_open (g);
      json_gen_kv_bool (g, "allow", d->allow);
      oci_gen_opt_str (g, "type", d->type);
      oci_gen_opt_int (g, "major", d->major);
      oci_gen_opt_int (g, "minor", d->minor);
      oci_gen_opt_str (g, "access", d->access);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
}

/* ---- blockIO ---- */

struct blkio_list
{
  const char *key;
  size_t list_off, n_off;
  const struct member *m;
  size_t n_m;
};

#define BL(key, field, m)                                                                          \
  {                                                                                                \
    key, offsetof (struct oci_resources, block_io.field),                                          \
        offsetof (struct oci_resources, block_io.n_##field), m, NOOK_ARRAY_SIZE (m)                \
  }

static const struct blkio_list blkio_lists[] = {
  BL ("weightDevice", weight_device, weight_device_members),
  BL ("throttleReadBpsDevice", throttle_read_bps, throttle_members),
  BL ("throttleWriteBpsDevice", throttle_write_bps, throttle_members),
  BL ("throttleReadIOPSDevice", throttle_read_iops, throttle_members),
  BL ("throttleWriteIOPSDevice", throttle_write_iops, throttle_members),
};

static int
parse_blkio_device (struct oci_blkio_device *d, const nook_json *j, const char *field,
                    const struct blkio_list *l, nook_error_t *err)
{
  static const char *const extra[] = { "major", "minor", NULL };
  _cleanup_free_ char *fmaj = oci_subfield (field, "major"), *fmin = oci_subfield (field, "minor");
  int64_t major = 0, minor = 0;

  if (!json_is_object (j))
    return nook_error (err, 0, "field `%s` is not an object", field);
  if (check_members (j, field, l->m, l->n_m, extra, err) < 0
      || json_get_int (j, "major", fmaj, true, &major, err) < 0
      || json_get_int (j, "minor", fmin, true, &minor, err) < 0
      || parse_members (d, j, field, l->m, l->n_m, err) < 0)
    return -1;
  d->major = major;
  d->minor = minor;
  return 0;
}

static int
parse_blkio (struct oci_resources *r, const nook_json *obj, nook_error_t *err)
{
  static const char *const extra[]
      = { "weightDevice",           "throttleReadBpsDevice",   "throttleWriteBpsDevice",
          "throttleReadIOPSDevice", "throttleWriteIOPSDevice", NULL };
  nook_json *j = NULL;

  if (parse_group (r, obj, "blockIO", "linux.resources.blockIO", blkio_members,
                   NOOK_ARRAY_SIZE (blkio_members), extra, &j, err)
      < 0)
    return -1;
  r->has_block_io = j != NULL;
  if (j == NULL)
    return 0;
  for (size_t k = 0; k < NOOK_ARRAY_SIZE (blkio_lists); k++)
    {
      const struct blkio_list *l = &blkio_lists[k];
      _cleanup_free_ char *f = oci_subfield ("linux.resources.blockIO", l->key);
      struct oci_blkio_device **list = (struct oci_blkio_device **)((char *)r + l->list_off);
      size_t *n = (size_t *)((char *)r + l->n_off);
      nook_json *arr = NULL;

      if (json_get_array (j, l->key, f, false, &arr, err) < 0)
        return -1;
      *list = xzalloc (sizeof (**list) * (json_len (arr) + 1));
      for (size_t i = 0; i < json_len (arr); i++)
        {
          _cleanup_free_ char *fi = xasprintf ("%s[%zu]", f, i);
          if (parse_blkio_device (&(*list)[i], json_at (arr, i), fi, l, err) < 0)
            return -1;
          (*n)++;
        }
    }
  return 0;
}

static void
gen_blkio (struct json_gen *g, const struct oci_resources *r)
{
  json_gen_key (g, "blockIO");
  json_gen_object_open (g);
  gen_members (g, r, blkio_members, NOOK_ARRAY_SIZE (blkio_members));
  for (size_t k = 0; k < NOOK_ARRAY_SIZE (blkio_lists); k++)
    {
      const struct blkio_list *l = &blkio_lists[k];
      const struct oci_blkio_device *list
          = *(struct oci_blkio_device *const *)((const char *)r + l->list_off);
      size_t n = *(const size_t *)((const char *)r + l->n_off);
      if (n == 0)
        continue;
      json_gen_key (g, l->key);
      json_gen_array_open (g);
      for (size_t i = 0; i < n; i++)
        {
          json_gen_object_open (g);
          json_gen_kv_int (g, "major", list[i].major);
          json_gen_kv_int (g, "minor", list[i].minor);
          gen_members (g, &list[i], l->m, l->n_m);
          json_gen_object_close (g);
        }
      json_gen_array_close (g);
    }
  json_gen_object_close (g);
}

/* ---- hugepageLimits, network, rdma ---- */

static int
parse_hugepages (struct oci_resources *r, const nook_json *obj, nook_error_t *err)
{
  static const char *const known[] = { "pageSize", "limit", NULL };
  nook_json *arr = NULL;

  if (json_get_array (obj, "hugepageLimits", "linux.resources.hugepageLimits", false, &arr, err)
      < 0)
    return -1;
  r->hugepage_limits = xzalloc (sizeof (*r->hugepage_limits) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      _cleanup_free_ char *f = xasprintf ("linux.resources.hugepageLimits[%zu]", i);
      _cleanup_free_ char *fp = oci_subfield (f, "pageSize"), *fl = oci_subfield (f, "limit");
      struct oci_hugepage_limit *h = &r->hugepage_limits[i];
      nook_json *j = json_at (arr, i);

      if (!json_is_object (j))
        return nook_error (err, 0, "field `%s` is not an object", f);
      r->n_hugepage_limits++;
      if (oci_check_keys (j, f, known, err) < 0
          || oci_get_dup (j, "pageSize", fp, true, &h->page_size, err) < 0
          || json_get_uint (j, "limit", fl, true, &h->limit, err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_network (struct oci_resources *r, const nook_json *obj, nook_error_t *err)
{
  static const char *const extra[] = { "priorities", NULL };
  static const char *const known[] = { "name", "priority", NULL };
  nook_json *j = NULL, *arr = NULL;

  if (parse_group (r, obj, "network", "linux.resources.network", network_members,
                   NOOK_ARRAY_SIZE (network_members), extra, &j, err)
          < 0
      || json_get_array (j, "priorities", "linux.resources.network.priorities", false, &arr, err)
             < 0)
    return -1;
  r->has_network = j != NULL;
  r->network.priorities = xzalloc (sizeof (*r->network.priorities) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      _cleanup_free_ char *f = xasprintf ("linux.resources.network.priorities[%zu]", i);
      _cleanup_free_ char *fn = oci_subfield (f, "name"), *fp = oci_subfield (f, "priority");
      struct oci_net_priority *p = &r->network.priorities[i];
      nook_json *e = json_at (arr, i);

      if (!json_is_object (e))
        return nook_error (err, 0, "field `%s` is not an object", f);
      r->network.n_priorities++;
      if (oci_check_keys (e, f, known, err) < 0
          || oci_get_dup (e, "name", fn, true, &p->name, err) < 0
          || oci_get_u32 (e, "priority", fp, true, &p->priority, err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_rdma (struct oci_resources *r, const nook_json *obj, nook_error_t *err)
{
  nook_json *j = NULL;

  if (json_get_object (obj, "rdma", "linux.resources.rdma", false, &j, err) < 0)
    return -1;
  r->rdma = xzalloc (sizeof (*r->rdma) * (json_len (j) + 1));
  for (size_t i = 0; i < json_len (j); i++)
    {
      _cleanup_free_ char *f = xasprintf ("linux.resources.rdma.%s", json_key_at (j, i));
      struct oci_rdma *d = &r->rdma[i];
      nook_json *e = json_at (j, i);

      d->device = xstrdup (json_key_at (j, i));
      r->n_rdma++;
      if (!json_is_object (e))
        return nook_error (err, 0, "field `%s` is not an object", f);
      if (check_members (e, f, rdma_members, NOOK_ARRAY_SIZE (rdma_members), NULL, err) < 0
          || parse_members (d, e, f, rdma_members, NOOK_ARRAY_SIZE (rdma_members), err) < 0)
        return -1;
    }
  return 0;
}

/* ---- the whole object ---- */

int
oci_parse_resources (struct oci_resources *r, const nook_json *j, nook_error_t *err)
{
  static const char *const known[] = { "devices",        "memory",  "cpu",  "pids",    "blockIO",
                                       "hugepageLimits", "network", "rdma", "unified", NULL };
  nook_json *mem = NULL, *cpu = NULL, *pids = NULL;

  if (oci_check_keys (j, "linux.resources", known, err) < 0 || parse_device_rules (r, j, err) < 0
      || parse_group (r, j, "memory", "linux.resources.memory", memory_members,
                      NOOK_ARRAY_SIZE (memory_members), NULL, &mem, err)
             < 0
      || parse_group (r, j, "cpu", "linux.resources.cpu", cpu_members,
                      NOOK_ARRAY_SIZE (cpu_members), NULL, &cpu, err)
             < 0
      || parse_group (r, j, "pids", "linux.resources.pids", pids_members,
                      NOOK_ARRAY_SIZE (pids_members), NULL, &pids, err)
             < 0
      || parse_blkio (r, j, err) < 0 || parse_hugepages (r, j, err) < 0
      || parse_network (r, j, err) < 0 || parse_rdma (r, j, err) < 0
      || oci_get_map (j, "unified", "linux.resources.unified", &r->unified, err) < 0)
    return -1;
  r->has_memory = mem != NULL;
  r->has_cpu = cpu != NULL;
  r->has_pids = pids != NULL;
  r->has_devices = json_get (j, "devices") != NULL;
  return 0;
}

static void
gen_group (struct json_gen *g, const char *key, bool present, const struct oci_resources *r,
           const struct member *m, size_t n)
{
  if (!present)
    return;
  json_gen_key (g, key);
  json_gen_object_open (g);
  gen_members (g, r, m, n);
  json_gen_object_close (g);
}

static void
gen_network (struct json_gen *g, const struct oci_resources *r)
{
  json_gen_key (g, "network");
  json_gen_object_open (g);
  gen_members (g, r, network_members, NOOK_ARRAY_SIZE (network_members));
  if (r->network.n_priorities)
    {
      json_gen_key (g, "priorities");
      json_gen_array_open (g);
      for (size_t i = 0; i < r->network.n_priorities; i++)
        {
          json_gen_object_open (g);
          json_gen_kv_string (g, "name", r->network.priorities[i].name);
          json_gen_kv_int (g, "priority", r->network.priorities[i].priority);
          json_gen_object_close (g);
        }
      json_gen_array_close (g);
    }
  json_gen_object_close (g);
}

void
oci_gen_resources (struct json_gen *g, const struct oci_resources *r)
{
  json_gen_key (g, "resources");
  json_gen_object_open (g);
  if (r->has_devices || r->n_devices)
    gen_device_rules (g, r);
  gen_group (g, "memory", r->has_memory, r, memory_members, NOOK_ARRAY_SIZE (memory_members));
  gen_group (g, "cpu", r->has_cpu, r, cpu_members, NOOK_ARRAY_SIZE (cpu_members));
  gen_group (g, "pids", r->has_pids, r, pids_members, NOOK_ARRAY_SIZE (pids_members));
  if (r->has_block_io)
    gen_blkio (g, r);
  if (r->n_hugepage_limits)
    {
      json_gen_key (g, "hugepageLimits");
      json_gen_array_open (g);
      for (size_t i = 0; i < r->n_hugepage_limits; i++)
        {
          json_gen_object_open (g);
          json_gen_kv_string (g, "pageSize", r->hugepage_limits[i].page_size);
          json_gen_key (g, "limit");
          json_gen_uint (g, r->hugepage_limits[i].limit);
          json_gen_object_close (g);
        }
      json_gen_array_close (g);
    }
  if (r->has_network)
    gen_network (g, r);
  if (r->n_rdma)
    {
      json_gen_key (g, "rdma");
      json_gen_object_open (g);
      for (size_t i = 0; i < r->n_rdma; i++)
        {
          json_gen_key (g, r->rdma[i].device);
          json_gen_object_open (g);
          gen_members (g, &r->rdma[i], rdma_members, NOOK_ARRAY_SIZE (rdma_members));
          json_gen_object_close (g);
        }
      json_gen_object_close (g);
    }
  oci_gen_map (g, "unified", r->unified);
  json_gen_object_close (g);
}

char *
oci_resources_first_limit (const struct oci_resources *r)
{
  static const struct
  {
    const char *group;
    const struct member *m;
    size_t n;
  } groups[] = {
    { "memory", memory_members, NOOK_ARRAY_SIZE (memory_members) },
    { "cpu", cpu_members, NOOK_ARRAY_SIZE (cpu_members) },
    { "pids", pids_members, NOOK_ARRAY_SIZE (pids_members) },
    { "blockIO", blkio_members, NOOK_ARRAY_SIZE (blkio_members) },
    { "network", network_members, NOOK_ARRAY_SIZE (network_members) },
  };
  const char *key;

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (groups); i++)
    if ((key = first_set (r, groups[i].m, groups[i].n)) != NULL)
      return xasprintf ("linux.resources.%s.%s", groups[i].group, key);
  for (size_t k = 0; k < NOOK_ARRAY_SIZE (blkio_lists); k++)
    if (*(const size_t *)((const char *)r + blkio_lists[k].n_off))
      return xasprintf ("linux.resources.blockIO.%s", blkio_lists[k].key);
  if (r->n_hugepage_limits)
    return xstrdup ("linux.resources.hugepageLimits");
  if (r->network.n_priorities)
    return xstrdup ("linux.resources.network.priorities");
  if (r->n_rdma)
    return xasprintf ("linux.resources.rdma.%s", r->rdma[0].device);
  if (r->unified && r->unified[0])
    return xstrdup ("linux.resources.unified");
  return NULL;
}

void
oci_free_resources (struct oci_resources *r)
{
  for (size_t i = 0; i < r->n_devices; i++)
    {
      free (r->devices[i].type);
      free (r->devices[i].access);
    }
  free (r->devices);
  free (r->cpu.cpus);
  free (r->cpu.mems);
  for (size_t k = 0; k < NOOK_ARRAY_SIZE (blkio_lists); k++)
    free (*(struct oci_blkio_device **)((char *)r + blkio_lists[k].list_off));
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  for (size_t i = 0; i < r->network.n_priorities; i++)
    free (r->network.priorities[i].name);
  free (r->network.priorities);
  for (size_t i = 0; i < r->n_rdma; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  strv_free (r->unified);
  memset (r, 0, sizeof (*r));
}
