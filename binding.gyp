{
  "variables": {
    "sr_version": "<!(node -p \"require('./package.json').version\")",
    "sr_cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers", "-D_FORTIFY_SOURCE=2", "-fstack-protector-strong"]
  },
  "targets": [
    {
      "target_name": "seccomp",
      "sources": ["native/seccomp/addon.c", "native/seccomp/sr_seccomp.c", "native/common/sr_error.c", "native/common/host.c"],
      "cflags": ["<@(sr_cflags)"],
      "libraries": ["-lseccomp"]
    },
    {
      "target_name": "exec",
      "sources": ["native/exec/exec.c", "native/exec/layerfs.c"],
      "cflags": ["<@(sr_cflags)"]
    },
    {
      "target_name": "secure-run-launch",
      "type": "executable",
      "sources": [
        "native/launcher/main.c",
        "native/launcher/bundle.c",
        "native/launcher/nethook.c",
        "native/launcher/sha256.c",
        "native/launcher/args.c",
        "native/launcher/caps.c",
        "native/launcher/cgroup.c",
        "native/launcher/cgroup_v1.c",
        "native/launcher/cgroup_v2.c",
        "native/launcher/rootfs.c",
        "native/launcher/netns.c",
        "native/launcher/landlock.c",
        "native/launcher/explain.c",
        "native/launcher/refusals.c",
        "native/launcher/bpf_eval.c",
        "native/launcher/relabel.c",
        "native/launcher/mcs.c",
        "native/launcher/trace.c",
        "native/launcher/proto.c",
        "native/launcher/app.c",
        "native/launcher/init.c",
        "native/launcher/supervisor.c",
        "native/launcher/filter.c",
        "native/launcher/loop.c",
        "native/launcher/spawn.c",
        "native/launcher/report.c",
        "native/launcher/instance.c",
        "native/launcher/rmtree.c",
        "native/launcher/logger.c",
        "native/common/sr_error.c",
        "native/common/host.c"
      ],
      "defines": ["SR_VERSION=\"<(sr_version)\""],
      "cflags": ["<@(sr_cflags)", "-fPIE"],
      "ldflags": ["-static-pie", "-Wl,-z,relro,-z,now"],
      "libraries": ["-lseccomp"]
    }
  ]
}
