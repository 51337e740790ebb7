//! Reports from channels that carry no grid cell (here: a superior import without `cell`) are
//! placed on the tenant's grid by the server, from the cells GeoJSON it keeps since the import.

use anyhow::{Context, Result};
use gridcase_core::model::Role;
use gridcase_tests::{Harness, near_first_corner};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superior_case_without_a_cell_is_placed_on_the_tenants_grid() -> Result<()> {
    let (h, demo) = Harness::start_demo().await?;
    let intake_user = demo
        .users
        .iter()
        .find(|u| u.role == Role::IntakeOperator)
        .context("an intake operator")?;
    let intake = h.device("intake", &intake_user.username).await?;
    let cell = &demo.cells[1234];
    let (lon, lat) = near_first_corner(cell, 0.0002)?;
    let outside = (lon + 1.0, lat);
    let body = json!({
        "format": "gridcase-superior-cases", "version": 1, "issuer": "市平台",
        "cases": [
            {"external_id": "SJ-CELL-1", "category": "matter:06010", "lon": lon, "lat": lat,
             "description": "暴露垃圾", "deadline": "2026-12-31T18:00:00+08:00"},
            {"external_id": "SJ-CELL-2", "category": "matter:06010", "lon": outside.0,
             "lat": outside.1, "description": "辖区外", "deadline": "2026-12-31T18:00:00+08:00"}
        ]
    });
    let response: Value = reqwest::Client::new()
        .post(format!("{}/v1/intake/superior", h.proxy.url()))
        .bearer_auth(&intake.client.session().token)
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    let created = response["created"].as_array().context("created")?;
    assert_eq!(created.len(), 2, "{response}");
    let cell_of = |i: usize| -> Result<Option<String>> {
        let id = created[i][1].as_str().context("case id")?;
        Ok(h.server_case(id)?.context("case row")?.cell)
    };
    assert_eq!(cell_of(0)?, Some(cell.code.to_string()));
    assert_eq!(
        cell_of(1)?,
        None,
        "a point outside every cell stays without one"
    );
    Ok(())
}
