//! Importing a tenant directory in the demo generator's format (docs/data-formats.md).

use crate::support::*;
use gridcase_server::biz::import::import_dir;
use std::fs;

const DEPT_ID: &str = "019ac4a0-0000-7000-8000-000000000001";

fn write_tenant_dir(dir: &std::path::Path) {
    fs::write(
        dir.join("tenant.toml"),
        "# SYNTHETIC\nversion = 1\ncode = \"620104\"\nname = \"西固区\"\nshort_name = \"西固\"\ncentre = [103.6, 36.1]\nsynthetic = true\n",
    )
    .expect("write");
    fs::write(
        dir.join("departments.csv"),
        format!("# SYNTHETIC\ncode,id,name\nwater,{DEPT_ID},\"水务局, 西固\"\n"),
    )
    .expect("write");
    fs::write(
        dir.join("users.csv"),
        "# SYNTHETIC\nusername,display_name,role,department,cells\n\
         insp01,巡查员一,inspector,,620104001001\n\
         insp02,巡查员二,inspector,,620104001002001 620104001002002\n\
         water01,水务一,department,water,\n\
         shift01,值班长一,shift_leader,,\n",
    )
    .expect("write");
    let cells = [
        "620104001001001",
        "620104001001002",
        "620104001002001",
        "620104001002002",
    ];
    let features: Vec<String> = cells
        .iter()
        .map(|c| {
            format!(
                "{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{c}\",\"street\":\"s\",\"community\":\"c\",\"departments\":[]}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[103.6,36.1],[103.61,36.1],[103.61,36.11],[103.6,36.1]]]}}}}"
            )
        })
        .collect();
    fs::write(
        dir.join("cells.geojson"),
        format!(
            "{{\"type\":\"FeatureCollection\",\"name\":\"demo\",\"features\":[\n{}\n]}}\n",
            features.join(",\n")
        ),
    )
    .expect("write");
    fs::write(
        dir.join("calendar.toml"),
        include_str!("../../../core/data/calendar/2026.example.toml"),
    )
    .expect("write");
    fs::write(
        dir.join("stage_limits.toml"),
        include_str!("../../../core/data/limits/stage_limits.example.toml"),
    )
    .expect("write");
    fs::write(
        dir.join("responsibility.csv"),
        "# SYNTHETIC\nkind,category,area,department\nmatter,*,*,water\n",
    )
    .expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_directory_imports_and_its_users_log_in() {
    let ts = TestServer::start().await;
    let src = tempfile::tempdir().expect("tempdir");
    write_tenant_dir(src.path());
    let dep = ts.server.deployment().clone();
    let path = src.path().to_owned();
    let report = tokio::task::spawn_blocking(move || {
        let missing = import_dir(&dep, "620104", &path, None);
        assert!(missing.is_err(), "new users need a demo password");
        let first = import_dir(&dep, "620104", &path, Some("demo-2026")).expect("import");
        let again = import_dir(&dep, "620104", &path, None).expect("re-import keeps accounts");
        (first, again)
    })
    .await
    .expect("join");
    let (first, again) = report;
    assert_eq!(first.departments, 1);
    assert_eq!(first.users_created, 4);
    assert_eq!(first.cells, 4);
    assert_eq!(again.users_created, 0);
    assert_eq!(again.users_kept, 4);
    assert!(first.files.contains(&"calendar.toml".to_owned()));

    let client = reqwest::Client::new();
    let insp = login_request(&client, &ts.url(), "620104", "insp01", "demo-2026", "i-1")
        .await
        .expect("imported user logs in");
    assert_eq!(
        insp.cells,
        vec!["620104001001001".to_owned(), "620104001001002".to_owned()],
        "a community code expands to its cells"
    );
    let water = login_request(&client, &ts.url(), "620104", "water01", "demo-2026", "i-2")
        .await
        .expect("department user logs in");
    assert_eq!(
        water.department.map(|d| d.to_string()).as_deref(),
        Some(DEPT_ID)
    );
    let wrong = login_request(&client, &ts.url(), "620104", "insp02", "nope-nope", "i-3")
        .await
        .expect_err("password checked");
    assert_eq!(wrong.error.code, "bad_credentials");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_demo_tenant_imports() {
    let ts = TestServer::start().await;
    let src = tempfile::tempdir().expect("tempdir");
    let path = src.path().to_owned();
    let dep = ts.server.deployment().clone();
    let (report, users) = tokio::task::spawn_blocking(move || {
        let demo = gridcase_core::demo::DemoTenant::generate(gridcase_core::demo::DEFAULT_SEED);
        demo.write_to(&path).expect("demo files");
        let users: Vec<(String, String)> = demo
            .users
            .iter()
            .map(|u| (u.username.clone(), u.role.as_str().to_owned()))
            .collect();
        let report = import_dir(&dep, "620102", &path, Some("demo-2026")).expect("import");
        // The demo's standards table and area grades are loaded; the same files again make no
        // new standards version.
        assert_eq!(report.standards_version, Some(1), "{report:?}");
        let again = import_dir(&dep, "620102", &path, None).expect("re-import");
        assert_eq!(again.standards_version, Some(1));
        let rules = dep.rules("620102").expect("rules");
        let standards = rules.standards.as_ref().expect("standards loaded");
        assert_eq!(standards.version, 1);
        assert_eq!(standards.file, "standards.csv");
        let first = &demo.cells[0].code;
        assert_eq!(rules.area_grades.grade_of(first), Some("主干道"));
        let outer = demo.cells.last().expect("cells").code;
        assert_eq!(rules.area_grades.grade_of(&outer), Some("城乡结合部"));
        (report, users)
    })
    .await
    .expect("join");
    assert_eq!(report.users_created, users.len());
    assert!(report.cells > 1000, "{report:?}");
    assert!(report.departments >= 10);
    let (name, _) = users
        .iter()
        .find(|(_, role)| role == "inspector")
        .expect("an inspector");
    let client = reqwest::Client::new();
    let reply = login_request(&client, &ts.url(), "620102", name, "demo-2026", "demo-1")
        .await
        .expect("a demo inspector logs in");
    assert!(!reply.cells.is_empty());
}
