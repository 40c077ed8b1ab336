"""What the API server does to an object between decoding and storing it: metadata checks,
the defaults of the real server for the fields we care about, and the per-kind validation
that answers 422 Invalid."""

import copy
import json
import re
import uuid

import events
import govalue
import resources as R
import secret_admission
import workload_admission as workloads
from selection import LabelSelector, label_key_errors, label_value_errors
from status import ApiError, invalid
from timeutil import now_rfc3339

_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
             "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
             "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric character "
                 "(e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID = "controller-uid"
LEGACY_JOB_NAME = "job-name"

# Fields the server owns: ignored (overwritten) when a client sends them.
SERVER_META = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
               "generation", "managedFields", "selfLink")


def name_errors(name, rule, path="metadata.name"):
    if rule == "label":
        if len(name) > 63:
            return [(path, "FieldValueInvalid",
                     f'Invalid value: "{name}": must be no more than 63 characters')]
        if not _DNS_LABEL.match(name):
            return [(path, "FieldValueInvalid", f'Invalid value: "{name}": {LABEL_MSG}')]
    else:
        if len(name) > 253:
            return [(path, "FieldValueInvalid",
                     f'Invalid value: "{name}": must be no more than 253 characters')]
        if not _DNS_SUBDOMAIN.match(name):
            return [(path, "FieldValueInvalid", f'Invalid value: "{name}": {SUBDOMAIN_MSG}')]
    return []


def labels_errors(labels, path):
    causes = []
    for k, v in (labels or {}).items():
        for msg in label_key_errors(k):
            causes.append((path, "FieldValueInvalid", f'Invalid value: "{k}": {msg}'))
        for msg in label_value_errors(v if isinstance(v, str) else ""):
            causes.append((f"{path}", "FieldValueInvalid", f'Invalid value: "{v}": {msg}'))
    return causes


def annotations_errors(annotations, path="metadata.annotations"):
    causes = []
    total = 0
    for k, v in (annotations or {}).items():
        for msg in label_key_errors(k):
            causes.append((path, "FieldValueInvalid", f'Invalid value: "{k}": {msg}'))
        total += len(k) + len(v or "")
    if total > 256 * 1024:
        causes.append((path, "FieldValueTooLong", "Too long: must have at most 262144 bytes"))
    return causes


# ---- defaults ------------------------------------------------------------------------------

def default_container(c):
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    image = c.get("image") or ""
    if "imagePullPolicy" not in c:
        tag = image.rsplit("/", 1)[-1]
        latest = "@" not in tag and (":" not in tag or tag.endswith(":latest"))
        c["imagePullPolicy"] = "Always" if latest else "IfNotPresent"
    c.setdefault("resources", {})
    for p in c.get("ports") or []:
        p.setdefault("protocol", "TCP")


def default_pod_spec(spec):
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if isinstance(c, dict):
            default_container(c)


def default_job_spec(spec):
    spec.setdefault("parallelism", 1)
    spec.setdefault("completions", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    spec.setdefault("manualSelector", False)
    template = spec.setdefault("template", {})
    template.setdefault("metadata", {})
    default_pod_spec(template.setdefault("spec", {}))


def default_job(job):
    """SetDefaults_Job: the spec defaults, and a Job without labels takes its pod template's
    (the user's, before the server adds its generated labels)."""
    spec = job.setdefault("spec", {})
    tmeta = (spec.get("template") or {}).get("metadata") or {}
    meta = job.setdefault("metadata", {})
    if tmeta.get("labels") is not None and not meta.get("labels"):
        meta["labels"] = dict(tmeta["labels"])
    default_job_spec(spec)


def generate_selector(job):
    """The job strategy's generateSelector (manualSelector unset or false): template labels
    `controller-uid`, `batch.kubernetes.io/controller-uid` (the new uid), `job-name`,
    `batch.kubernetes.io/job-name` are added only where the client did not set them (a value it
    did set is checked by validation, not overwritten), and the selector gets
    `batch.kubernetes.io/controller-uid: <uid>` unless it already has that key."""
    meta = job["metadata"]
    spec = job["spec"]
    tmeta = spec["template"].setdefault("metadata", {})
    labels = dict(tmeta.get("labels") or {})
    for key in (LEGACY_JOB_NAME, JOB_NAME):
        labels.setdefault(key, meta["name"])
    for key in (LEGACY_CONTROLLER_UID, CONTROLLER_UID):
        labels.setdefault(key, meta["uid"])
    tmeta["labels"] = labels
    selector = spec.get("selector")
    if selector is None:
        selector = spec["selector"] = {}
    if selector.get("matchLabels") is None:
        selector["matchLabels"] = {}
    selector["matchLabels"].setdefault(CONTROLLER_UID, meta["uid"])


# ---- per-kind validation ---------------------------------------------------------------------

def pod_spec_errors(spec, path):
    causes = []
    containers = spec.get("containers") or []
    if not containers:
        causes.append((f"{path}.containers", "FieldValueRequired", "Required value"))
    seen = set()
    for i, c in enumerate(containers + (spec.get("initContainers") or [])):
        kind = "containers" if i < len(containers) else "initContainers"
        idx = i if i < len(containers) else i - len(containers)
        cpath = f"{path}.{kind}[{idx}]"
        name = c.get("name") or ""
        if not name:
            causes.append((f"{cpath}.name", "FieldValueRequired", "Required value"))
        else:
            causes += name_errors(name, "label", f"{cpath}.name")
            if name in seen:
                causes.append((f"{cpath}.name", "FieldValueDuplicate", f'Duplicate value: "{name}"'))
            seen.add(name)
        if not c.get("image"):
            causes.append((f"{cpath}.image", "FieldValueRequired", "Required value"))
    return causes


def _has_label(labels, key, expected, path):
    """ValidateHasLabel: the label must be there with exactly the expected value."""
    fpath = f"{path}.labels[{key}]"
    if key not in labels:
        return [(fpath, "FieldValueRequired", f"Required value: must be '{expected}'")]
    if labels[key] != expected:
        return [(fpath, "FieldValueInvalid",
                 f"Invalid value: {govalue.string_map(labels)}: must be '{expected}'")]
    return []


def _selector_matches(selector, labels):
    try:
        return LabelSelector.from_label_selector(selector).matches(labels)
    except (KeyError, TypeError, AttributeError):
        return False


def generated_selector_errors(job, prefixed):
    """validateGeneratedSelector: with a generated selector the template must carry the
    generated labels for this Job's uid and name, and the selector must select them. A Job
    re-posted with the template labels of an earlier Job (another uid) fails here."""
    spec = job.get("spec") or {}
    selector = spec.get("selector")
    if spec.get("manualSelector") or selector is None:
        return []
    meta = job["metadata"]
    uid, name = meta.get("uid", ""), meta.get("name", "")
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    path = "spec.template.metadata"
    causes = _has_label(labels, LEGACY_CONTROLLER_UID, uid, path)
    causes += _has_label(labels, LEGACY_JOB_NAME, name, path)
    expected = {LEGACY_CONTROLLER_UID: uid, LEGACY_JOB_NAME: name}
    if prefixed:
        causes += _has_label(labels, CONTROLLER_UID, uid, path)
        causes += _has_label(labels, JOB_NAME, name, path)
        expected.update({CONTROLLER_UID: uid, JOB_NAME: name})
    if not _selector_matches(selector, expected):
        causes.append(("spec.selector", "FieldValueInvalid",
                       f"Invalid value: {govalue.label_selector(selector)}: "
                       "`selector` not auto-generated"))
    return causes


def job_spec_errors(spec, path):
    """validateJobSpec: what a Job's spec and a CronJob's job template share."""
    causes = []
    for field in ("parallelism", "completions", "backoffLimit"):
        v = spec.get(field)
        if isinstance(v, int) and v < 0:
            causes.append((f"{path}.{field}", "FieldValueInvalid",
                           f"Invalid value: {v}: must be greater than or equal to 0"))
    ads = spec.get("activeDeadlineSeconds")
    if isinstance(ads, int) and ads <= 0:
        causes.append((f"{path}.activeDeadlineSeconds", "FieldValueInvalid",
                       f"Invalid value: {ads}: must be greater than or equal to 1"))
    ttl = spec.get("ttlSecondsAfterFinished")
    if isinstance(ttl, int) and ttl < 0:
        causes.append((f"{path}.ttlSecondsAfterFinished", "FieldValueInvalid",
                       f"Invalid value: {ttl}: must be greater than or equal to 0"))
    template = spec.get("template") or {}
    tmeta = template.get("metadata") or {}
    causes += labels_errors(tmeta.get("labels"), f"{path}.template.metadata.labels")
    tspec = template.get("spec") or {}
    causes += pod_spec_errors(tspec, f"{path}.template.spec")
    rp = tspec.get("restartPolicy")
    if rp in (None, "", "Always"):
        causes.append((f"{path}.template.spec.restartPolicy", "FieldValueRequired",
                       'Required value: valid values: "OnFailure", "Never"'))
    elif rp not in ("OnFailure", "Never"):
        causes.append((f"{path}.template.spec.restartPolicy", "FieldValueNotSupported",
                       f'Unsupported value: "{rp}": supported values: "OnFailure", "Never"'))
    return causes


def job_errors(job, old=None):
    """ValidateJob (and ValidateJobUpdate with `old`), in the real order."""
    spec = job.get("spec") or {}
    causes = []
    if old is None:
        prefixed = True
    else:
        olabels = (((old.get("spec") or {}).get("template") or {}).get("metadata") or {}) \
            .get("labels") or {}
        prefixed = CONTROLLER_UID in olabels and JOB_NAME in olabels
    causes += generated_selector_errors(job, prefixed)
    causes += job_spec_errors(spec, "spec")
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    selector = spec.get("selector")
    if selector is None:
        causes.append(("spec.selector", "FieldValueRequired", "Required value"))
    else:
        causes += labels_errors(selector.get("matchLabels"), "spec.selector.matchLabels")
        if not _selector_matches(selector, template_labels):
            causes.append(("spec.template.metadata.labels", "FieldValueInvalid",
                           f"Invalid value: {govalue.string_map(template_labels)}: "
                           "`selector` does not match template `labels`"))
    if old is not None:
        ospec = old.get("spec") or {}
        for field in ("selector", "template", "completions", "completionMode", "manualSelector"):
            if spec.get(field) != ospec.get(field):
                causes.append((f"spec.{field}", "FieldValueInvalid",
                               f"Invalid value: {_short(spec.get(field))}: field is immutable"))
    return causes


def _pod_spec_fixed(spec):
    """A pod spec without what an update may change: images, activeDeadlineSeconds,
    tolerations (additions), terminationGracePeriodSeconds."""
    spec = copy.deepcopy(spec)
    for kind in ("containers", "initContainers"):
        for c in spec.get(kind) or []:
            if isinstance(c, dict):
                c.pop("image", None)
    for field in ("activeDeadlineSeconds", "tolerations"):
        spec.pop(field, None)
    if (spec.get("terminationGracePeriodSeconds") or 0) < 0:
        spec["terminationGracePeriodSeconds"] = 1  # may be set to 1 when it was negative
    return spec


def _short(v):
    text = repr(v)
    return text if len(text) < 200 else text[:200] + "..."


def lease_errors(lease):
    spec = lease.get("spec") or {}
    causes = []
    d = spec.get("leaseDurationSeconds")
    if isinstance(d, int) and d <= 0:
        causes.append(("spec.leaseDurationSeconds", "FieldValueInvalid",
                       f"Invalid value: {d}: must be greater than 0"))
    t = spec.get("leaseTransitions")
    if isinstance(t, int) and t < 0:
        causes.append(("spec.leaseTransitions", "FieldValueInvalid",
                       f"Invalid value: {t}: must be greater than or equal to 0"))
    return causes


def qualified_name_errors(value):
    """IsQualifiedName, with the real messages (an empty name fails twice)."""
    prefix, slash, name = value.rpartition("/")
    errs = []
    if value.count("/") > 1:
        return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
                "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name', "
                " or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
                "[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. "
                "'example.com/MyName')"]
    if slash:
        errs += [e for e in label_key_errors(value) if e.startswith("prefix")]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not _QUALIFIED_NAME.match(name):
        errs.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                    "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                    "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
                    "[A-Za-z0-9]')")
    return errs


def _limit(causes, ev, field, limit, required=True):
    value = ev.get(field) or ""
    name = {"message": "message"}.get(field, field)
    if required and not value:
        causes.append((name, "FieldValueRequired", "Required value"))
    if len(value) > limit:
        causes.append((name, "FieldValueInvalid",
                       f'Invalid value: "": can have at most {limit} characters'))


def event_errors(ev, res, namespace, old=None):
    """ValidateEventCreate / ValidateEventUpdate on the stored (core) form of an Event; `res`
    is the API it came through (core v1 stays lenient, events.k8s.io/v1 is strict). Field
    names are the internal ones, as the real server reports them."""
    causes = []
    involved = ev.get("involvedObject") or {}
    ions = involved.get("namespace") or ""
    mismatch = ("involvedObject.namespace", "FieldValueInvalid",
                f"Invalid value: {govalue.quote(ions)}: does not match event.namespace")
    if not ev.get("eventTime"):
        # An old-style Event: its namespace must be the involved object's ("" or "default"
        # for an object without namespace).
        if (not ions and namespace not in ("", "default")) or (ions and ions != namespace):
            causes.append(mismatch)
    else:
        if not ions and namespace not in ("default", "kube-system"):
            causes.append(mismatch)
        controller = ev.get("reportingComponent") or ""
        field = "reportingComponent" if res is R.EVENTS else "reportingController"
        if not controller:
            causes.append((field, "FieldValueRequired", "Required value"))
        for msg in qualified_name_errors(controller):
            causes.append((field, "FieldValueInvalid",
                           f"Invalid value: {govalue.quote(controller)}: {msg}"))
        _limit(causes, ev, "reportingInstance", 128)
        _limit(causes, ev, "action", 128)
        _limit(causes, ev, "reason", 128)
        _limit(causes, ev, "message", 1024, required=False)
    if res is R.EVENTS:
        return causes
    # events.k8s.io/v1: the strict checks.
    if old is None or ev.get("series") != old.get("series"):
        series = ev.get("series")
        if series is not None:
            if (series.get("count") or 0) < 2:
                causes.append(("series.count", "FieldValueInvalid",
                               'Invalid value: "": should be at least 2'))
            if not series.get("lastObservedTime"):
                causes.append(("series.lastObservedTime", "FieldValueRequired", "Required value"))
    if old is None:
        if not ev.get("eventTime"):
            causes.append(("eventTime", "FieldValueRequired", "Required value"))
        if ev.get("type") not in ("Normal", "Warning"):
            causes.append(("type", "FieldValueInvalid",
                           f'Invalid value: "": has invalid value: {ev.get("type") or ""}'))
        for field in ("firstTimestamp", "lastTimestamp"):
            if ev.get(field):
                causes.append((field, "FieldValueInvalid", 'Invalid value: "": needs to be unset'))
        if ev.get("count"):
            causes.append(("count", "FieldValueInvalid", 'Invalid value: "": needs to be unset'))
        if any((ev.get("source") or {}).values()):
            causes.append(("source", "FieldValueInvalid", 'Invalid value: "": needs to be unset'))
    else:
        for field in ("involvedObject", "reason", "message", "source", "firstTimestamp",
                      "lastTimestamp", "count", "type", "eventTime", "action", "related",
                      "reportingComponent", "reportingInstance"):
            if (ev.get(field) or None) != (old.get(field) or None):
                name = "reportingController" if field == "reportingComponent" else field
                causes.append((name, "FieldValueInvalid",
                               f"Invalid value: {_short(ev.get(field))}: field is immutable"))
    return causes


# ---- entry points ---------------------------------------------------------------------------

def _meta_errors(res, meta, creating):
    causes = []
    name = meta.get("name") or ""
    if not name:
        if creating:
            causes.append(("metadata.name", "FieldValueRequired",
                           "Required value: name or generateName is required"))
    else:
        causes += name_errors(name, res.name_rule)
    causes += labels_errors(meta.get("labels"), "metadata.labels")
    causes += annotations_errors(meta.get("annotations"))
    for i, f in enumerate(meta.get("finalizers") or []):
        if not isinstance(f, str) or not f:
            causes.append((f"metadata.finalizers[{i}]", "FieldValueInvalid", "Invalid value"))
    return causes


CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
CONFIG_KEY_MESSAGE = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
                      "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
                      "'[-._a-zA-Z0-9]+')")
# corev1.MaxSecretSize, which ValidateConfigMap uses for data and binaryData together.
CONFIG_MAP_MAX_BYTES = 1024 * 1024


def configmap_errors(cm):
    """ValidateConfigMap: keys are config keys, unique across data and binaryData, 1 MiB in all."""
    causes = []
    data = cm.get("data") or {}
    binary = cm.get("binaryData") or {}
    total = 0
    for field, values in (("data", data), ("binaryData", binary)):
        for key, value in values.items():
            if len(key) > 253 or not CONFIG_KEY.match(key) or key in (".", ".."):
                causes.append((f"{field}[{key}]", "FieldValueInvalid",
                               f"Invalid value: {json.dumps(key)}: {CONFIG_KEY_MESSAGE}"))
            if field == "binaryData" and key in data:
                causes.append((f"binaryData[{key}]", "FieldValueInvalid",
                               f"Invalid value: {json.dumps(key)}: duplicate of key present in data"))
            total += len(value.encode()) if field == "data" else len(value) * 3 // 4
    if total > CONFIG_MAP_MAX_BYTES:
        causes.append(("", "FieldValueTooLong", f"Too long: must have at most {CONFIG_MAP_MAX_BYTES} bytes"))
    return causes


def kind_errors(res, obj, old, namespace):
    if res is R.JOBS:
        return job_errors(obj, old)
    if res is R.CONFIGMAPS:
        return configmap_errors(obj)
    if res is R.LEASES:
        return lease_errors(obj)
    if res in (R.EVENTS, R.EVENTS_V1):
        return event_errors(obj, res, namespace, old)
    if res is R.PODS and old is None:
        return pod_spec_errors(obj.get("spec") or {}, "spec")
    return []


# Resource -> (defaulting, validation(obj, old=None)) of the kinds with a controller of their own.
WORKLOADS = {
    R.DEPLOYMENTS: (workloads.default_deployment, workloads.deployment_errors),
    R.REPLICASETS: (workloads.default_replicaset, workloads.replicaset_errors),
    R.CRONJOBS: (workloads.default_cronjob, workloads.cronjob_errors),
}


def prepare_create(res, obj, namespace, extra_causes=()):
    """Sets server-owned metadata and defaults, validates; raises 422 on problems.
    Returns the object to store (without resourceVersion). `res` is the API the object came
    through; an Event is stored in its core v1 form whichever it was."""
    obj = events.to_storage(res, obj)
    meta = obj.setdefault("metadata", {})
    if meta.get("resourceVersion"):
        raise ApiError(500, "InternalError", "Internal error occurred: resourceVersion should "
                       "not be set on objects to be created")
    for f in SERVER_META:
        meta.pop(f, None)
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
    if res.namespaced:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    uid = str(uuid.uuid4())
    meta["uid"] = uid
    meta["creationTimestamp"] = now_rfc3339()
    obj["apiVersion"] = R.storage(res).group_version
    obj["kind"] = res.kind
    causes = list(extra_causes) + _meta_errors(res, meta, True)
    if res is R.JOBS:
        meta["generation"] = 1
        default_job(obj)
        if not obj["spec"].get("manualSelector"):
            generate_selector(obj)
        causes += job_errors(obj)
        obj["status"] = {}
    elif res is R.PODS:
        default_pod_spec(obj.setdefault("spec", {}))
        causes += pod_spec_errors(obj["spec"], "spec")
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    elif res is R.NAMESPACES:
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj["status"] = {"phase": "Active"}
        labels = dict(meta.get("labels") or {})
        labels["kubernetes.io/metadata.name"] = meta.get("name", "")
        meta["labels"] = labels
    elif res in WORKLOADS:
        default, errors = WORKLOADS[res]
        meta["generation"] = 1
        default(obj)
        causes += errors(obj)
        obj["status"] = {}
    elif res is R.SECRETS:
        secret_admission.decode(obj)
        causes += secret_admission.secret_errors(obj)
        obj = secret_admission.storage_form(obj)
    else:
        causes += kind_errors(res, obj, None, namespace)
    if causes:
        raise invalid(res, meta.get("name", ""), _unique(causes))
    return events.to_storage(R.storage(res), obj)


def prepare_update(res, old, new, subresource=None, extra_causes=()):
    """Merges a full replacement (PUT or the result of a patch) onto the stored object the
    way the real strategies do; validates; raises 422. Returns the object to store. `old`
    is the stored form, `new` as sent to `res`."""
    new = events.to_storage(res, copy.deepcopy(new))
    meta = new.setdefault("metadata", {})
    ometa = old["metadata"]
    for f in SERVER_META:
        if f in ometa:
            meta[f] = ometa[f]
        else:
            meta.pop(f, None)
    meta["name"] = ometa["name"]
    if res.namespaced:
        meta["namespace"] = ometa["namespace"]
    new["apiVersion"] = R.storage(res).group_version
    new["kind"] = res.kind
    if subresource == "status":
        # Only status changes through /status.
        merged = copy.deepcopy(old)
        merged["status"] = new.get("status") or {}
        merged["metadata"]["resourceVersion"] = meta.get("resourceVersion")
        return merged
    causes = list(extra_causes) + _meta_errors(res, meta, False)
    if "status" in old:
        new["status"] = copy.deepcopy(old["status"])
    if res is R.JOBS:
        default_job(new)
        causes += job_errors(new, old)
        if new.get("spec") != old.get("spec"):
            meta["generation"] = (ometa.get("generation") or 1) + 1
    elif res is R.PODS:
        default_pod_spec(new.setdefault("spec", {}))
        if _pod_spec_fixed(new["spec"]) != _pod_spec_fixed(old.get("spec") or {}) or \
                not all(t in (new["spec"].get("tolerations") or [])
                        for t in (old.get("spec") or {}).get("tolerations") or []):
            causes.append(("spec", "FieldValueForbidden", "Forbidden: pod updates may not change "
                           "fields other than `spec.containers[*].image`, "
                           "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, "
                           "`spec.tolerations` (only additions to existing tolerations), "
                           "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
                           "was previously negative)"))
    elif res is R.NAMESPACES:
        new["spec"] = old.get("spec")
        labels = dict(meta.get("labels") or {})
        labels["kubernetes.io/metadata.name"] = ometa["name"]
        meta["labels"] = labels
    elif res in WORKLOADS:
        default, errors = WORKLOADS[res]
        default(new)
        causes += errors(new, old)
        bumps = workloads.deployment_generation_changes(new, old) if res is R.DEPLOYMENTS \
            else new.get("spec") != old.get("spec")
        if bumps:
            meta["generation"] = (ometa.get("generation") or 1) + 1
    elif res is R.SECRETS:
        secret_admission.decode(new)
        causes += secret_admission.secret_update_errors(new, old)
        new = secret_admission.storage_form(new)
    else:
        causes += kind_errors(res, new, old, ometa.get("namespace"))
    if causes:
        raise invalid(res, ometa["name"], _unique(causes))
    return events.to_storage(R.storage(res), new)


def _unique(causes):
    """The causes without repeats (the schema decode and the validation may both report a
    missing required field)."""
    return list(dict.fromkeys(causes))
