#ifndef TENANT_PROVISIONER_CYAML_SHIM_H
#define TENANT_PROVISIONER_CYAML_SHIM_H
// The system libyaml (Debian libyaml-dev, pkg-config yaml-0.1): its event parser, which the YAML
// module composes into nodes.
#include <yaml.h>
#endif
