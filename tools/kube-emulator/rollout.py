"""The Deployment controller's decisions, pure: which ReplicaSet is the new one, how far to
scale it up and the old ones down (RollingUpdate and Recreate), and the status and conditions
it writes (calculateStatus, syncRolloutStatus). ReplicaSets and Deployments are plain dicts;
`now` is Unix seconds from the caller. Nothing here reads a clock or touches the store."""

import copy
import json
import math

from timeutil import now_rfc3339, parse_rfc3339

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
# Deployment annotations a ReplicaSet does not inherit.
NOT_COPIED = ("kubectl.kubernetes.io/last-applied-configuration", REVISION,
              "deployment.kubernetes.io/revision-history", DESIRED_REPLICAS, MAX_REPLICAS,
              "deprecated.deployment.rollback.to")

AVAILABLE, PROGRESSING = "Available", "Progressing"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"

_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of generated names (no vowels)


def replicas(rs):
    return (rs.get("spec") or {}).get("replicas", 1)


def status_of(rs, field):
    return (rs.get("status") or {}).get(field) or 0


def revision(rs):
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


# ---- the pod template and its hash -------------------------------------------------------------

def template_hash(template, collision_count=0):
    """pod-template-hash: FNV-32a of the template (here its canonical JSON) and the collision
    count, its decimal digits spelled in the safe alphabet, as the real controller names it."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        data += collision_count.to_bytes(4, "little")
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE[ord(c) % len(_SAFE)] for c in str(h))


def without_hash(template):
    """A ReplicaSet's template without the pod-template-hash label (EqualIgnoreHash)."""
    t = copy.deepcopy(template or {})
    labels = (t.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(HASH_LABEL, None)
        if not labels:
            t["metadata"].pop("labels")
    return t


def find_new(deployment, rss):
    """The ReplicaSet whose template is the Deployment's (the oldest if several); None."""
    want = without_hash(deployment["spec"]["template"])
    same = [rs for rs in rss if without_hash(rs["spec"].get("template")) == want]
    same.sort(key=lambda rs: (rs["metadata"].get("creationTimestamp") or "", rs["metadata"]["name"]))
    return same[0] if same else None


# ---- surge and unavailability ------------------------------------------------------------------

def _scaled(value, total, round_up):
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str):
        pct = int(value.rstrip("%") or 0)
        exact = pct * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value or 0)


def surge_and_unavailable(deployment):
    """ResolveFenceposts: maxSurge rounds up, maxUnavailable down; both 0 means 1 unavailable."""
    spec = deployment["spec"]
    rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    desired = spec.get("replicas", 1)
    surge = _scaled(rolling.get("maxSurge", "25%"), desired, True)
    unavailable = _scaled(rolling.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def is_rolling(deployment):
    return (deployment["spec"].get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def max_unavailable(deployment):
    desired = deployment["spec"].get("replicas", 1)
    if not is_rolling(deployment) or desired == 0:
        return 0
    return min(surge_and_unavailable(deployment)[1], desired)


def max_surge(deployment):
    return surge_and_unavailable(deployment)[0] if is_rolling(deployment) else 0


def new_rs_replicas(deployment, all_rss, new_rs_count):
    """NewRSNewReplicas: how many replicas the new ReplicaSet may have now."""
    desired = deployment["spec"].get("replicas", 1)
    if not is_rolling(deployment):
        return desired
    current = sum(replicas(rs) for rs in all_rss)
    max_total = desired + max_surge(deployment)
    if current >= max_total:
        return new_rs_count
    return new_rs_count + max(0, min(max_total - current, desired - new_rs_count))


def old_scale_down(deployment, all_rss, old_rss, new_rs):
    """reconcileOldReplicaSets: {old ReplicaSet name: new replica count}. First the unhealthy
    replicas of old ReplicaSets go (cleanupUnhealthyReplicas), then available ones, as far as
    maxUnavailable allows (scaleDownOldReplicaSetsForRollingUpdate); oldest first."""
    active_old = [rs for rs in old_rss if replicas(rs) > 0]
    if not active_old:
        return {}
    counts = {rs["metadata"]["name"]: replicas(rs) for rs in all_rss}
    desired = deployment["spec"].get("replicas", 1)
    min_available = desired - max_unavailable(deployment)
    new_unavailable = replicas(new_rs) - status_of(new_rs, "availableReplicas")
    max_down = sum(counts.values()) - min_available - new_unavailable
    if max_down <= 0:
        return {}
    oldest = sorted(active_old, key=lambda rs: (rs["metadata"].get("creationTimestamp") or "",
                                                rs["metadata"]["name"]))
    plan = {}
    cleaned = 0
    for rs in oldest:
        name = rs["metadata"]["name"]
        if cleaned >= max_down:
            break
        unhealthy = counts[name] - status_of(rs, "availableReplicas")
        if counts[name] == 0 or unhealthy <= 0:
            continue
        down = min(max_down - cleaned, unhealthy)
        counts[name] -= down
        plan[name] = counts[name]
        cleaned += down
    available = sum(status_of(rs, "availableReplicas") for rs in all_rss)
    if available > min_available:
        budget, done = available - min_available, 0
        for rs in oldest:
            name = rs["metadata"]["name"]
            if done >= budget:
                break
            if counts[name] == 0:
                continue
            down = min(counts[name], budget - done)
            counts[name] -= down
            plan[name] = counts[name]
            done += down
    return plan


# ---- status and conditions ---------------------------------------------------------------------

def condition(type_, status, reason, message, now):
    stamp = now_rfc3339(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


def get_condition(status, type_):
    return next((c for c in status.get("conditions") or [] if c.get("type") == type_), None)


def set_condition(status, cond):
    """SetDeploymentCondition: no change when status and reason are the same; the transition
    time is kept while the status stays; the condition moves to the end of the list."""
    current = get_condition(status, cond["type"])
    if current is not None and current["status"] == cond["status"] and \
            current.get("reason") == cond["reason"]:
        return
    if current is not None and current["status"] == cond["status"]:
        cond = dict(cond, lastTransitionTime=current.get("lastTransitionTime"))
    status["conditions"] = [c for c in status.get("conditions") or []
                            if c.get("type") != cond["type"]] + [cond]


def remove_condition(status, type_):
    conds = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if conds:
        status["conditions"] = conds
    else:
        status.pop("conditions", None)


def omit_zero(status):
    """DeploymentStatus fields are all omitempty: a zero count is not written."""
    return {k: v for k, v in status.items() if v not in (0, None, [])}


def calculate_status(deployment, all_rss, new_rs, now):
    """calculateStatus: the counts from the ReplicaSets, and the Available condition."""
    old = deployment.get("status") or {}
    available = sum(status_of(rs, "availableReplicas") for rs in all_rss)
    total = sum(replicas(rs) for rs in all_rss)
    status = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        "replicas": sum(status_of(rs, "replicas") for rs in all_rss),
        "updatedReplicas": status_of(new_rs, "replicas") if new_rs else 0,
        "readyReplicas": sum(status_of(rs, "readyReplicas") for rs in all_rss),
        "availableReplicas": available,
        "unavailableReplicas": max(0, total - available),
        "conditions": copy.deepcopy(old.get("conditions") or []),
        "collisionCount": old.get("collisionCount"),
    }
    desired = deployment["spec"].get("replicas", 1)
    if available >= desired - max_unavailable(deployment):
        set_condition(status, condition(AVAILABLE, "True", "MinimumReplicasAvailable",
                                        "Deployment has minimum availability.", now))
    else:
        set_condition(status, condition(AVAILABLE, "False", "MinimumReplicasUnavailable",
                                         "Deployment does not have minimum availability.", now))
    return status


def has_deadline(deployment):
    d = deployment["spec"].get("progressDeadlineSeconds")
    return d is not None and d != 2 ** 31 - 1


def complete(deployment, status):
    """DeploymentComplete."""
    desired = deployment["spec"].get("replicas", 1)
    return (status.get("updatedReplicas") or 0) == desired and \
        (status.get("replicas") or 0) == desired and \
        (status.get("availableReplicas") or 0) == desired and \
        (status.get("observedGeneration") or 0) >= deployment["metadata"].get("generation", 1)


def progressed(old, new):
    """DeploymentProgressing: more updated, fewer old, more ready or more available replicas."""
    def olds(s):
        return (s.get("replicas") or 0) - (s.get("updatedReplicas") or 0)
    return (new.get("updatedReplicas") or 0) > (old.get("updatedReplicas") or 0) or \
        olds(new) < olds(old) or \
        (new.get("readyReplicas") or 0) > (old.get("readyReplicas") or 0) or \
        (new.get("availableReplicas") or 0) > (old.get("availableReplicas") or 0)


def deadline_at(deployment, status, progress_at=None):
    """When the rollout times out without progress (Unix seconds), or None: no deadline, no
    Progressing condition, or the rollout is complete or already timed out. `progress_at`:
    the exact time of the condition's lastUpdateTime when known (the stamp is cut to whole
    seconds, which would let a deadline of a few seconds pass up to a second early)."""
    cond = get_condition(status, PROGRESSING)
    if not has_deadline(deployment) or cond is None or \
            cond.get("reason") in (NEW_RS_AVAILABLE, TIMED_OUT):
        return None
    since = parse_rfc3339(cond["lastUpdateTime"])
    if progress_at is not None and int(progress_at) == int(since):
        since = progress_at
    return since + deployment["spec"]["progressDeadlineSeconds"]


def rollout_status(deployment, all_rss, new_rs, now, progress_at=None):
    """syncRolloutStatus: the status with the Progressing condition brought up to date, as
    written (zero counts left out). `progress_at` as for deadline_at."""
    old = deployment.get("status") or {}
    status = calculate_status(deployment, all_rss, new_rs, now)
    if not has_deadline(deployment):
        remove_condition(status, PROGRESSING)
    current = get_condition(old, PROGRESSING)
    done = status["replicas"] == status["updatedReplicas"] and current is not None and \
        current.get("reason") == NEW_RS_AVAILABLE
    if has_deadline(deployment) and not done:
        name = new_rs["metadata"]["name"] if new_rs else None
        subject = f'ReplicaSet "{name}"' if name else f'Deployment "{deployment["metadata"]["name"]}"'
        at = deadline_at(deployment, old, progress_at)
        if complete(deployment, status):
            set_condition(status, condition(PROGRESSING, "True", NEW_RS_AVAILABLE,
                                            f"{subject} has successfully progressed.", now))
        elif progressed(old, status):
            cond = condition(PROGRESSING, "True", RS_UPDATED, f"{subject} is progressing.", now)
            if current is not None:
                if current["status"] == "True":
                    cond["lastTransitionTime"] = current.get("lastTransitionTime")
                remove_condition(status, PROGRESSING)
            set_condition(status, cond)
        elif (current is not None and current.get("reason") == TIMED_OUT) or \
                (at is not None and at < now):
            set_condition(status, condition(PROGRESSING, "False", TIMED_OUT,
                                            f"{subject} has timed out progressing.", now))
    return omit_zero(status)
