//! Canned responses: replies agents insert by short code (`/refund` in the
//! reply box). Shared ones are the account's and managed by supervisors and
//! admins; personal ones are one member's own and invisible to everyone else
//! (a 404, like any id outside the caller's reach).

pub mod manage;
pub mod suggest;

use kefu_core::model::{CannedResponse, Role};
use kefu_core::{CannedResponseId, StoreError};

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const TAG: &str = "canned responses";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(manage::list_canned, manage::create_canned))
        .routes(routes!(
            manage::get_canned,
            manage::update_canned,
            manage::delete_canned
        ))
        .routes(routes!(suggest::suggest_canned))
}

/// The response, if the caller may see it: shared, or their own.
async fn visible(
    state: &AppState,
    agent: &Agent,
    id: CannedResponseId,
) -> ApiResult<CannedResponse> {
    let r = state
        .store
        .get_canned_response(agent.account_id, id)
        .await?;
    match r.owner_id {
        Some(owner) if owner != agent.user_id => {
            Err(StoreError::NotFound("canned response").into())
        }
        _ => Ok(r),
    }
}

/// Shared responses speak for the whole account: supervisors and admins
/// change them. Anyone changes their own.
fn may_change(agent: &Agent, r: &CannedResponse) -> Result<(), ApiError> {
    match r.owner_id {
        None => agent.require(Role::Supervisor),
        Some(_) => Ok(()),
    }
}
