"""Defaults and 422 validation of apps/v1 Deployments and ReplicaSets and batch/v1 CronJobs,
as kube-apiserver v1.31 applies them (SetDefaults_Deployment / _ReplicaSet / _CronJob,
ValidateDeployment(Update), ValidateReplicaSet(Update), ValidateCronJobCreate / Update, and the
strategies' selector immutability and generation rules)."""

import re

import admission as core
import cron
import govalue
from selection import label_key_errors, label_value_errors

_PERCENT = re.compile(r"^[0-9]+%$")
PERCENT_MSG = ("a valid percent string must be a numeric string followed by an ending '%' "
               "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")
# validTimeZoneCharacters of the CronJob validation, per path element of a zone name.
_TZ_PART = re.compile(r"^[A-Za-z.\-_0-9+]{1,14}$")


def _nonnegative(value, path):
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [(path, "FieldValueInvalid",
                 f"Invalid value: {value}: must be greater than or equal to 0")]
    return []


# ---- label selectors ---------------------------------------------------------------------------

def selector_errors(selector, path):
    """ValidateLabelSelector (strict: values must be valid label values)."""
    causes = []
    for k, v in (selector.get("matchLabels") or {}).items():
        for msg in label_key_errors(k):
            causes.append((f"{path}.matchLabels", "FieldValueInvalid",
                           f"Invalid value: {govalue.quote(k)}: {msg}"))
        for msg in label_value_errors(v if isinstance(v, str) else ""):
            causes.append((f"{path}.matchLabels", "FieldValueInvalid",
                           f"Invalid value: {govalue.quote(v)}: {msg}"))
    for i, req in enumerate(selector.get("matchExpressions") or []):
        rpath = f"{path}.matchExpressions[{i}]"
        op, values = req.get("operator"), req.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append((f"{rpath}.values", "FieldValueRequired", "Required value: must "
                               "be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                causes.append((f"{rpath}.values", "FieldValueForbidden", "Forbidden: may not be "
                               "specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append((f"{rpath}.operator", "FieldValueInvalid",
                           f"Invalid value: {govalue.quote(op or '')}: not a valid selector "
                           "operator"))
        for msg in label_key_errors(req.get("key") or ""):
            causes.append((f"{rpath}.key", "FieldValueInvalid",
                           f"Invalid value: {govalue.quote(req.get('key') or '')}: {msg}"))
        for v in values:
            for msg in label_value_errors(v if isinstance(v, str) else ""):
                causes.append((f"{rpath}.values", "FieldValueInvalid",
                               f"Invalid value: {govalue.quote(v)}: {msg}"))
    return causes


def _selector_is_empty(selector):
    return not (selector.get("matchLabels") or selector.get("matchExpressions"))


# ---- pod templates of ReplicaSets and Deployments ----------------------------------------------

def replica_template_errors(spec, path):
    """ValidatePodTemplateSpecForReplicaSet with the spec's selector: the selector must select
    the template's labels (a missing selector selects nothing), the template is a valid pod
    template, restartPolicy Always, no activeDeadlineSeconds."""
    causes = []
    template = spec.get("template") or {}
    tmeta = template.get("metadata") or {}
    labels = tmeta.get("labels") or {}
    selector = spec.get("selector")
    if selector is None or not _selector_is_empty(selector):
        if selector is None or not core._selector_matches(selector, labels):
            causes.append((f"{path}.template.metadata.labels", "FieldValueInvalid",
                           f"Invalid value: {govalue.string_map(labels)}: "
                           "`selector` does not match template `labels`"))
    causes += core.labels_errors(tmeta.get("labels"), f"{path}.template.metadata.labels")
    causes += core.annotations_errors(tmeta.get("annotations"),
                                      f"{path}.template.metadata.annotations")
    tspec = template.get("spec") or {}
    causes += core.pod_spec_errors(tspec, f"{path}.template.spec")
    rp = tspec.get("restartPolicy")
    if rp != "Always":
        causes.append((f"{path}.template.spec.restartPolicy", "FieldValueNotSupported",
                       f"Unsupported value: {govalue.quote(rp or '')}: supported values: "
                       '"Always"'))
    if tspec.get("activeDeadlineSeconds") is not None:
        causes.append((f"{path}.template.spec.activeDeadlineSeconds", "FieldValueForbidden",
                       "Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"))
    return causes


def _selector_required(spec, path):
    selector = spec.get("selector")
    if selector is None:
        return [(f"{path}.selector", "FieldValueRequired", "Required value")]
    causes = selector_errors(selector, f"{path}.selector")
    if _selector_is_empty(selector):
        # The real message says "deployment" for ReplicaSets too.
        causes.append((f"{path}.selector", "FieldValueInvalid",
                       f"Invalid value: {govalue.label_selector(selector)}: "
                       "empty selector is invalid for deployment"))
    return causes


def _selector_immutable(new, old):
    """Outside extensions/v1beta1 the strategies refuse any change of spec.selector."""
    if old is None:
        return []
    selector = (new.get("spec") or {}).get("selector")
    if selector != (old.get("spec") or {}).get("selector"):
        return [("spec.selector", "FieldValueInvalid",
                 f"Invalid value: {govalue.label_selector(selector)}: field is immutable")]
    return []


# ---- Deployments -------------------------------------------------------------------------------

def default_deployment(d):
    """SetDefaults_Deployment (apps/v1), plus the pod template's defaults."""
    spec = d.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.get("strategy")
    if strategy is None:
        strategy = spec["strategy"] = {}
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if rolling is None:
            rolling = strategy["rollingUpdate"] = {}
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = "25%"
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = "25%"
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    template = spec.get("template")
    if template is None:
        template = spec["template"] = {}
    template.setdefault("metadata", {})
    core.default_pod_spec(template.setdefault("spec", {}))


def _percent_or_int_errors(value, path):
    """ValidatePositiveIntOrPercent."""
    if isinstance(value, str):
        if not _PERCENT.match(value):
            return [(path, "FieldValueInvalid", f"Invalid value: {value}: {PERCENT_MSG}")]
        return []
    return _nonnegative(value, path)


def _int_or_percent_value(value):
    if isinstance(value, str):
        return int(value[:-1]) if _PERCENT.match(value) else 0
    return value if isinstance(value, int) else 0


def strategy_errors(strategy, path):
    """ValidateDeploymentStrategy."""
    kind = strategy.get("type")
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [(f"{path}.rollingUpdate", "FieldValueForbidden",
                     "Forbidden: may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind != "RollingUpdate":
        return [(f"{path}.type", "FieldValueNotSupported",
                 f"Unsupported value: {govalue.quote(kind or '')}: supported values: "
                 '"Recreate", "RollingUpdate"')]
    rolling = strategy.get("rollingUpdate") or {}
    rpath = f"{path}.rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes = _percent_or_int_errors(unavailable, f"{rpath}.maxUnavailable")
    causes += _percent_or_int_errors(surge, f"{rpath}.maxSurge")
    if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
        # An IntOrString prints with its String(): the number or the raw text, unquoted.
        causes.append((f"{rpath}.maxUnavailable", "FieldValueInvalid",
                       f"Invalid value: {unavailable}: may not be 0 when `maxSurge` is 0"))
    if isinstance(unavailable, str) and _PERCENT.match(unavailable) and \
            int(unavailable[:-1]) > 100:
        causes.append((f"{rpath}.maxUnavailable", "FieldValueInvalid",
                       f"Invalid value: {unavailable}: must not be greater than 100%"))
    return causes


def deployment_errors(d, old=None):
    """ValidateDeployment / ValidateDeploymentUpdate with the apps/v1 selector immutability."""
    spec = d.get("spec") or {}
    causes = _nonnegative(spec.get("replicas"), "spec.replicas")
    causes += _selector_required(spec, "spec")
    causes += replica_template_errors(spec, "spec")
    causes += strategy_errors(spec.get("strategy") or {}, "spec.strategy")
    min_ready = spec.get("minReadySeconds") or 0
    causes += _nonnegative(min_ready, "spec.minReadySeconds")
    causes += _nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    deadline = spec.get("progressDeadlineSeconds")
    if isinstance(deadline, int):
        causes += _nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= min_ready:
            causes.append(("spec.progressDeadlineSeconds", "FieldValueInvalid",
                           f"Invalid value: {deadline}: must be greater than minReadySeconds"))
    causes += _selector_immutable(d, old)
    return causes


def deployment_generation_changes(new, old):
    """The Deployment strategy bumps metadata.generation on a spec change and also on an
    annotation change (annotations are copied to the ReplicaSets)."""
    return new.get("spec") != old.get("spec") or \
        (new["metadata"].get("annotations") or {}) != (old["metadata"].get("annotations") or {})


# ---- ReplicaSets -------------------------------------------------------------------------------

def default_replicaset(rs):
    spec = rs.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    template = spec.get("template")
    if template is None:
        template = spec["template"] = {}
    template.setdefault("metadata", {})
    core.default_pod_spec(template.setdefault("spec", {}))


def replicaset_errors(rs, old=None):
    spec = rs.get("spec") or {}
    causes = _nonnegative(spec.get("replicas"), "spec.replicas")
    causes += _nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    causes += _selector_required(spec, "spec")
    causes += replica_template_errors(spec, "spec")
    causes += _selector_immutable(rs, old)
    return causes


# ---- CronJobs ----------------------------------------------------------------------------------

# A CronJob's Job is named <cronjob>-<minutes since the epoch>: 11 characters more, within 63.
CRONJOB_NAME_MAX = 63 - 11


def default_cronjob(cj):
    """SetDefaults_CronJob and the job template's pod defaults (the Job defaults are applied
    to each Job when the controller creates it, not to the template)."""
    spec = cj.setdefault("spec", {})
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    jt = spec.get("jobTemplate")
    if jt is None:
        jt = spec["jobTemplate"] = {}
    jspec = jt.setdefault("spec", {})
    template = jspec.get("template")
    if template is None:
        template = jspec["template"] = {}
    core.default_pod_spec(template.setdefault("spec", {}))


def time_zone_errors(zone, path="spec.timeZone"):
    if zone is None:
        return []
    if zone == "":
        return [(path, "FieldValueInvalid",
                 'Invalid value: "": timeZone must be nil or non-empty string')]
    quoted = govalue.quote(zone)
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TZ_PART.match(part):
            return [(path, "FieldValueInvalid", f"Invalid value: {quoted}: unknown time zone {zone}")]
    causes = []
    if zone.lower() == "local":
        causes.append((path, "FieldValueInvalid", f"Invalid value: {quoted}: timeZone must be an "
                       "explicit time zone as defined in https://www.iana.org/time-zones"))
    try:
        cron.time_zone(zone)
    except cron.ScheduleError as e:
        causes.append((path, "FieldValueInvalid", f"Invalid value: {quoted}: {e}"))
    return causes


def schedule_errors(schedule, zone, allow_tz, path="spec.schedule"):
    """validateScheduleFormat: parsed by robfig/cron's standard parser; `TZ` in the schedule
    is refused on create (and when the old schedule had none)."""
    causes = []
    quoted = govalue.quote(schedule)
    try:
        cron.parse(schedule)
    except cron.ScheduleError as e:
        causes.append((path, "FieldValueInvalid", f"Invalid value: {quoted}: {e}"))
    if allow_tz and "TZ" in schedule and zone is not None:
        causes.append((path, "FieldValueInvalid", f"Invalid value: {quoted}: cannot use both "
                       "timeZone field and TZ or CRON_TZ in schedule"))
    elif not allow_tz and "TZ" in schedule:
        causes.append((path, "FieldValueInvalid", f"Invalid value: {quoted}: cannot use TZ or "
                       "CRON_TZ in schedule, use timeZone field instead"))
    return causes


def cronjob_errors(cj, old=None):
    """ValidateCronJobCreate (old None) / ValidateCronJobUpdate."""
    spec = cj.get("spec") or {}
    ospec = (old or {}).get("spec") or {}
    causes = []
    schedule = spec.get("schedule") or ""
    if not schedule:
        causes.append(("spec.schedule", "FieldValueRequired", "Required value"))
    else:
        allow_tz = old is not None and "TZ" in (ospec.get("schedule") or "")
        causes += schedule_errors(schedule, spec.get("timeZone"), allow_tz)
    causes += _nonnegative(spec.get("startingDeadlineSeconds"), "spec.startingDeadlineSeconds")
    if old is None or spec.get("timeZone") != ospec.get("timeZone"):
        causes += time_zone_errors(spec.get("timeZone"))
    policy = spec.get("concurrencyPolicy")
    if not policy:
        causes.append(("spec.concurrencyPolicy", "FieldValueRequired", "Required value"))
    elif policy not in ("Allow", "Forbid", "Replace"):
        causes.append(("spec.concurrencyPolicy", "FieldValueNotSupported",
                       f"Unsupported value: {govalue.quote(policy)}: supported values: "
                       '"Allow", "Forbid", "Replace"'))
    jt = spec.get("jobTemplate") or {}
    jmeta = jt.get("metadata") or {}
    causes += core.labels_errors(jmeta.get("labels"), "spec.jobTemplate.metadata.labels")
    causes += core.annotations_errors(jmeta.get("annotations"),
                                      "spec.jobTemplate.metadata.annotations")
    jspec = jt.get("spec") or {}
    causes += core.job_spec_errors(jspec, "spec.jobTemplate.spec")
    if jspec.get("selector") is not None:
        causes.append(("spec.jobTemplate.spec.selector", "FieldValueInvalid",
                       f"Invalid value: {govalue.label_selector(jspec['selector'])}: "
                       "`selector` will be auto-generated"))
    if jspec.get("manualSelector"):
        causes.append(("spec.jobTemplate.spec.manualSelector", "FieldValueNotSupported",
                       'Unsupported value: true: supported values: "nil", "false"'))
    causes += _nonnegative(spec.get("successfulJobsHistoryLimit"),
                           "spec.successfulJobsHistoryLimit")
    causes += _nonnegative(spec.get("failedJobsHistoryLimit"), "spec.failedJobsHistoryLimit")
    name = cj["metadata"].get("name") or ""
    if old is None and len(name) > CRONJOB_NAME_MAX:
        causes.append(("metadata.name", "FieldValueInvalid",
                       f"Invalid value: {govalue.quote(name)}: must be no more than 52 characters"))
    return causes
