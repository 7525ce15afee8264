//! "For you": recent papers ranked for one reader by a blend of their own
//! model and the community's trending rank, each with the reason it is
//! there; then older papers near the reader's taste.
//!
//! The reader model (papers-recs) is trained on each request from the
//! reader's signals — upvoted and saved papers against "not interested"
//! ones and a seeded sample of the window's papers — which takes
//! milliseconds, so it always reflects the latest click. The two rankings
//! are blended by reciprocal rank, `(1 − w)/(k + model rank) + w/(k +
//! trending rank)`, so neither scale dominates by accident; `w` is
//! `CommunitySettings::for_you_trending_weight` unless a request sets it.
//! Papers by followed authors or in followed categories (the topics chosen
//! at sign-up) add a third term, [`FOLLOW_WEIGHT`]`/(k + rank among them)`;
//! seed papers chosen at sign-up count as liked. So a new reader with
//! topics and no upvotes gets their topics first, then trending.

use std::collections::{HashMap, HashSet};

use jiff::ToSpan;
use papers_core::{Follow, FollowKind, User, author_key, today_in_new_york};
use papers_recs::{Because, ReaderModel, ReaderSignals, Rng, SvmParams};
use papers_store::{ListedPaper, ListingQuery, ListingSort};

use crate::community::rank_trending;
use crate::{AppError, AppResult, Community, Fault, SearchService};

/// Papers of the window considered at most (the most upvoted first).
const MAX_CANDIDATES: u64 = 5000;
/// The most recent liked papers the model trains on.
const MAX_LIKED: usize = 500;
/// Window papers drawn as the model's background.
const BACKGROUND: usize = 300;
/// The `k` of the reciprocal-rank blend.
const BLEND_K: f32 = 10.0;
/// The weight of the followed authors' and categories' rank in the blend.
const FOLLOW_WEIGHT: f32 = 0.5;
/// The weight of a paper's best author's share of the liked papers (1 for
/// a name on every one): about the top reciprocal rank, so a reader's
/// favourite authors lead, and a one-off co-author moves a paper a little.
const AUTHOR_WEIGHT: f32 = 1.0 / BLEND_K;
/// Liked papers with more authors (collaborations) lend none their share.
const AFFINITY_MAX_AUTHORS: usize = 30;
/// A liked paper this near (cosine) is named as the reason.
const BECAUSE_MIN_SIMILARITY: f32 = 0.3;

/// What "For you" is asked for.
#[derive(Clone, Copy, Debug)]
pub struct ForYouRequest {
    pub limit: usize,
    /// Days of listings, up to the latest listing day.
    pub days: i64,
    /// Overrides the site's trending weight (0–1).
    pub trending_weight: Option<f32>,
}

impl Default for ForYouRequest {
    fn default() -> Self {
        ForYouRequest {
            limit: 30,
            days: 7,
            trending_weight: None,
        }
    }
}

/// How the reader showed they liked a paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liked {
    Upvoted,
    Saved,
    /// Chosen as a seed paper at sign-up or in settings.
    Chosen,
}

/// Why a paper is in the feed.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// Near a paper the reader liked.
    Because {
        paper_id: String,
        title: String,
        how: Liked,
        similarity: f32,
    },
    /// By an author, or in a category, the reader follows.
    Follows { kind: FollowKind, label: String },
    /// By an author of `liked` of the papers the reader liked.
    Author { name: String, liked: usize },
    /// The community's trending rank put it here.
    Trending,
}

#[derive(Clone, Debug)]
pub struct ForYouItem {
    pub paper: ListedPaper,
    pub score: f32,
    pub reason: Reason,
}

/// The feed, and how it was made.
#[derive(Clone, Debug)]
pub struct ForYou {
    pub items: Vec<ForYouItem>,
    /// Whether a reader model ranked it (false: trending only, for a reader
    /// with no signals yet or a site without semantic search).
    pub personal: bool,
    /// Liked papers the model learned from.
    pub liked: usize,
    pub trending_weight: f32,
}

impl Community {
    /// "For you" for `user`: see the module's documentation.
    pub async fn for_you(
        &self,
        search: Option<&SearchService>,
        user: &User,
        req: ForYouRequest,
    ) -> AppResult<ForYou> {
        let w = self.trending_weight(req);
        if !(0.0..=1.0).contains(&w) {
            return Err(AppError::refused(
                Fault::BadInput,
                "invalid_blend",
                "The trending weight is a number from 0 to 1.",
            ));
        }
        if !(1..=100).contains(&req.limit) || !(1..=365).contains(&req.days) {
            return Err(AppError::refused(
                Fault::BadInput,
                "invalid_window",
                "For you answers 1 to 100 papers over 1 to 365 days.",
            ));
        }
        let days = req.days;
        let now = self.clock.now();
        let latest = self
            .store
            .latest_listing_day()
            .await?
            .unwrap_or_else(|| today_in_new_york(now));
        let window = ListingQuery {
            from: latest.saturating_sub((days - 1).days()),
            to: latest,
            submitter: None,
            sort: ListingSort::Upvotes,
            offset: 0,
            limit: MAX_CANDIDATES,
        };
        let (listed, votes, saved, unwanted, follows) = tokio::try_join!(
            self.store.listings(&window),
            self.store.votes_of(user.id),
            self.store.saved_papers_of(user.id),
            self.store.not_interested_of(user.id),
            self.store.follows_of(user.id),
        )?;
        let seeds: Vec<(String, String)> = follows
            .iter()
            .filter(|f| f.kind == FollowKind::Paper)
            .map(|f| {
                (
                    f.target.clone(),
                    papers_store::format_timestamp(f.created_at),
                )
            })
            .collect();
        let followed = Followed::new(&follows);
        // The most recent signals first; a paper both upvoted and saved
        // counts once, as upvoted.
        let mut liked: Vec<(String, Liked)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut dated: Vec<(&String, &String, Liked)> = votes
            .iter()
            .map(|(p, t)| (p, t, Liked::Upvoted))
            .chain(saved.iter().map(|(p, t)| (p, t, Liked::Saved)))
            .chain(seeds.iter().map(|(p, t)| (p, t, Liked::Chosen)))
            .collect();
        dated.sort_by(|a, b| b.1.cmp(a.1));
        for (p, _, how) in dated {
            if seen.insert(p.clone()) {
                liked.push((p.clone(), how));
            }
        }
        liked.truncate(MAX_LIKED);
        let unwanted: Vec<String> = unwanted.into_iter().map(|(p, _)| p).collect();
        let mut excluded: HashSet<String> = seen;
        excluded.extend(unwanted.iter().cloned());

        // The window's papers in trending order, each once, minus those the
        // reader already acted on.
        let mut in_window = HashSet::new();
        let candidates: Vec<ListedPaper> =
            rank_trending(&self.settings.trending, listed.items, now)
                .into_iter()
                .map(|t| t.paper)
                .filter(|p| {
                    let id = p.paper.id.base().to_string();
                    !excluded.contains(&id) && in_window.insert(id)
                })
                .collect();

        let engine = search
            .map(SearchService::engine)
            .filter(|e| e.semantic_available() && !liked.is_empty());
        let Some(engine) = engine else {
            return self
                .trending_feed(
                    &window,
                    candidates,
                    &mut in_window,
                    req,
                    Taste {
                        excluded: &excluded,
                        liked: liked.len(),
                        followed: &followed,
                    },
                )
                .await;
        };

        let liked_ids: Vec<String> = liked.iter().map(|(p, _)| p.clone()).collect();
        let cand_ids: Vec<String> = candidates
            .iter()
            .map(|p| p.paper.id.base().to_string())
            .collect();
        let liked_vecs = engine.vectors_of(&liked_ids);
        let unwanted_vecs = engine.vectors_of(&unwanted);
        let cand_vecs = engine.vectors_of(&cand_ids);
        // (index in `liked`, vector) of the liked papers that have one.
        let liked_with: Vec<(usize, &[f32])> = liked_vecs
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_deref().map(|v| (i, v)))
            .collect();
        let mut rng = Rng::new(u64::try_from(user.id).unwrap_or(0) ^ 0x5eed);
        let with_vec: Vec<usize> = (0..cand_vecs.len())
            .filter(|i| cand_vecs[*i].is_some())
            .collect();
        let mut background: Vec<&[f32]> = with_vec
            .iter()
            .filter_map(|i| cand_vecs[*i].as_deref())
            .collect();
        rng.shuffle(&mut background);
        background.truncate(BACKGROUND);
        let signals = ReaderSignals {
            liked: liked_with.iter().map(|(_, v)| *v).collect(),
            disliked: unwanted_vecs.iter().filter_map(|v| v.as_deref()).collect(),
            background,
        };
        let Some(model) = ReaderModel::train(&signals, &SvmParams::default()) else {
            // No liked paper has a vector yet.
            return self
                .trending_feed(
                    &window,
                    candidates,
                    &mut in_window,
                    req,
                    Taste {
                        excluded: &excluded,
                        liked: liked.len(),
                        followed: &followed,
                    },
                )
                .await;
        };

        // Model ranks of the candidates with vectors; the rest rank last.
        let mut by_model: Vec<(usize, f32)> = with_vec
            .iter()
            .filter_map(|i| cand_vecs[*i].as_deref().map(|v| (*i, model.score(v))))
            .collect();
        by_model.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut model_rank = vec![candidates.len(); candidates.len()];
        for (rank, (i, _)) in by_model.iter().enumerate() {
            model_rank[*i] = rank;
        }
        let follows_of: Vec<Option<&Follow>> = candidates.iter().map(|p| followed.of(p)).collect();
        let follow_part = follow_parts(&follows_of);
        let affinity = AuthorAffinity::of(&self.store.papers_by_ids(&liked_ids).await?);
        let authors_of: Vec<Option<(f32, &str, usize)>> =
            candidates.iter().map(|p| affinity.best(p)).collect();
        let author_part =
            |i: usize| authors_of[i].map_or(0.0, |(share, _, _)| AUTHOR_WEIGHT * share);
        let blend = |model_rank: usize, trending_rank: usize| {
            (1.0 - w) / (BLEND_K + model_rank as f32 + 1.0)
                + w / (BLEND_K + trending_rank as f32 + 1.0)
        };
        let mut scored: Vec<(usize, f32)> = (0..candidates.len())
            .map(|i| (i, blend(model_rank[i], i) + follow_part[i] + author_part(i)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(req.limit);

        let because = |v: Option<&[f32]>| -> Option<Because> {
            Because::nearest(v?, &signals.liked).filter(|b| b.similarity >= BECAUSE_MIN_SIMILARITY)
        };
        let mut picked: Vec<(ListedPaper, f32, Option<Because>, Option<Reason>)> = Vec::new();
        let mut candidates: Vec<Option<ListedPaper>> = candidates.into_iter().map(Some).collect();
        for (i, score) in scored {
            let model_part = (1.0 - w) / (BLEND_K + model_rank[i] as f32 + 1.0);
            // A follow is the plainest reason; then a favourite author when
            // that lifted it more than the model; else the nearest liked
            // paper when the model put it here.
            let explicit = follows_of[i].map(follow_reason).or_else(|| {
                authors_of[i]
                    .filter(|_| author_part(i) >= model_part)
                    .map(|(_, name, liked)| Reason::Author {
                        name: name.to_string(),
                        liked,
                    })
            });
            let reason = because(cand_vecs[i].as_deref())
                .filter(|_| explicit.is_none() && model_part >= score / 2.0);
            if let Some(p) = candidates[i].take() {
                picked.push((p, score, reason, explicit));
            }
        }
        // Then older papers near the reader's taste.
        if picked.len() < req.limit {
            let need = req.limit - picked.len();
            let keep = |id: &str| !excluded.contains(id) && !in_window.contains(id);
            let older = engine.nearest(model.query(), need, &keep);
            let ids: Vec<String> = older.iter().map(|(id, _)| id.clone()).collect();
            let vecs = engine.vectors_of(&ids);
            let papers = self.store.papers_by_ids(&ids).await?;
            let mut vec_of: HashMap<&str, Option<&[f32]>> = HashMap::new();
            for (id, v) in ids.iter().zip(&vecs) {
                vec_of.insert(id, v.as_deref());
            }
            for p in papers {
                let v = vec_of.get(p.paper.id.base()).copied().flatten();
                let reason = because(v);
                let follow = followed.of(&p).map(follow_reason);
                picked.push((p, 0.0, reason, follow));
            }
        }

        // Name the liked papers given as reasons.
        let named: Vec<String> = picked
            .iter()
            .filter_map(|(_, _, b, _)| b.map(|b| liked_ids[liked_with[b.liked].0].clone()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let titles: HashMap<String, String> = self
            .store
            .papers_by_ids(&named)
            .await?
            .into_iter()
            .map(|p| (p.paper.id.base().to_string(), p.paper.title))
            .collect();
        let items = picked
            .into_iter()
            .map(|(paper, score, b, follow)| {
                let reason = b
                    .and_then(|b| {
                        let (at, _) = liked_with[b.liked];
                        let (id, how) = &liked[at];
                        titles.get(id).map(|title| Reason::Because {
                            paper_id: id.clone(),
                            title: title.clone(),
                            how: *how,
                            similarity: b.similarity,
                        })
                    })
                    .or(follow)
                    .unwrap_or(Reason::Trending);
                ForYouItem {
                    paper,
                    score,
                    reason,
                }
            })
            .collect();
        Ok(ForYou {
            items,
            personal: true,
            liked: liked_with.len(),
            trending_weight: w,
        })
    }
}

impl Community {
    /// The blend weight a request asks for, else the site's.
    fn trending_weight(&self, req: ForYouRequest) -> f32 {
        req.trending_weight
            .unwrap_or(self.settings.for_you_trending_weight)
    }

    /// Without a model: the window in trending order, and when it holds
    /// fewer than the papers asked for, the most upvoted papers of the year
    /// before it; every item "trending".
    async fn trending_feed(
        &self,
        window: &ListingQuery,
        mut candidates: Vec<ListedPaper>,
        in_window: &mut HashSet<String>,
        req: ForYouRequest,
        taste: Taste<'_>,
    ) -> AppResult<ForYou> {
        let Taste {
            excluded,
            liked,
            followed,
        } = taste;
        let trending_weight = self.trending_weight(req);
        if candidates.len() < req.limit {
            let older = ListingQuery {
                from: window.from.saturating_sub(365.days()),
                to: window.from.saturating_sub(1.days()),
                limit: (req.limit + excluded.len()) as u64,
                ..window.clone()
            };
            let more = self.store.listings(&older).await?.items;
            candidates.extend(more.into_iter().filter(|p| {
                let id = p.paper.id.base().to_string();
                !excluded.contains(&id) && in_window.insert(id)
            }));
        }
        Ok(trending_only(
            candidates,
            followed,
            req.limit,
            trending_weight,
            liked,
        ))
    }
}

/// What the model-less feed knows of the reader: the papers they acted
/// on, how many they liked, what they follow.
struct Taste<'a> {
    excluded: &'a HashSet<String>,
    liked: usize,
    followed: &'a Followed,
}

/// What a reader follows that "For you" matches papers against: authors
/// by key, categories.
pub(crate) struct Followed {
    authors: HashMap<String, Follow>,
    categories: HashMap<String, Follow>,
}

impl Followed {
    fn new(follows: &[Follow]) -> Self {
        let of = |kind: FollowKind| {
            follows
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| (f.target.clone(), f.clone()))
                .collect()
        };
        Followed {
            authors: of(FollowKind::Author),
            categories: of(FollowKind::Category),
        }
    }

    /// The follow a paper matches: a followed author of it first, then a
    /// followed category.
    fn of(&self, p: &ListedPaper) -> Option<&Follow> {
        if self.authors.is_empty() && self.categories.is_empty() {
            return None;
        }
        p.paper
            .authors
            .iter()
            .find_map(|a| self.authors.get(&author_key(&a.name)))
            .or_else(|| {
                p.paper
                    .categories
                    .iter()
                    .find_map(|c| self.categories.get(c))
            })
    }
}

fn follow_reason(f: &Follow) -> Reason {
    Reason::Follows {
        kind: f.kind,
        label: f.label.clone(),
    }
}

/// The authors of the papers a reader liked, each with the number of those
/// papers they are on (by [`author_key`]), and the name as they write it.
struct AuthorAffinity {
    authors: HashMap<String, (usize, String)>,
    liked: usize,
}

impl AuthorAffinity {
    fn of(liked: &[ListedPaper]) -> Self {
        let mut authors: HashMap<String, (usize, String)> = HashMap::new();
        for p in liked {
            if p.paper.authors.len() > AFFINITY_MAX_AUTHORS {
                continue;
            }
            let keys: HashMap<String, &str> = p
                .paper
                .authors
                .iter()
                .map(|a| (author_key(&a.name), a.name.as_str()))
                .collect();
            for (key, name) in keys {
                authors
                    .entry(key)
                    .or_insert_with(|| (0, name.to_string()))
                    .0 += 1;
            }
        }
        AuthorAffinity {
            authors,
            liked: liked.len(),
        }
    }

    /// A paper's author on most liked papers: (share, name, how many).
    fn best(&self, p: &ListedPaper) -> Option<(f32, &str, usize)> {
        p.paper
            .authors
            .iter()
            .filter_map(|a| self.authors.get(&author_key(&a.name)))
            .max_by_key(|(n, _)| *n)
            .map(|(n, name)| (*n as f32 / self.liked.max(1) as f32, name.as_str(), *n))
    }
}

/// Each candidate's follow term: [`FOLLOW_WEIGHT`] over `k` plus its rank
/// among the followed candidates (in their order), 0 when it matches none.
fn follow_parts(follows_of: &[Option<&Follow>]) -> Vec<f32> {
    let mut rank = 0usize;
    follows_of
        .iter()
        .map(|f| {
            f.map_or(0.0, |_| {
                rank += 1;
                FOLLOW_WEIGHT / (BLEND_K + rank as f32)
            })
        })
        .collect()
}

/// Without a model: trending order, with papers of followed authors and
/// categories brought forward (at full weight: a new reader's topics lead);
/// each item "trending" or the follow it matches.
fn trending_only(
    candidates: Vec<ListedPaper>,
    followed: &Followed,
    limit: usize,
    w: f32,
    liked: usize,
) -> ForYou {
    let follows_of: Vec<Option<&Follow>> = candidates.iter().map(|p| followed.of(p)).collect();
    let follow_part = follow_parts(&follows_of);
    let mut scored: Vec<(usize, f32)> = (0..candidates.len())
        .map(|i| {
            let part = follow_part[i] / FOLLOW_WEIGHT;
            (i, 1.0 / (BLEND_K + i as f32 + 1.0) + part)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(limit);
    let reasons: Vec<Reason> = follows_of
        .iter()
        .map(|f| match f {
            Some(f) => Reason::Follows {
                kind: f.kind,
                label: f.label.clone(),
            },
            None => Reason::Trending,
        })
        .collect();
    let mut candidates: Vec<Option<ListedPaper>> = candidates.into_iter().map(Some).collect();
    ForYou {
        items: scored
            .into_iter()
            .filter_map(|(i, score)| {
                Some(ForYouItem {
                    paper: candidates[i].take()?,
                    score,
                    reason: reasons[i].clone(),
                })
            })
            .collect(),
        personal: false,
        liked,
        trending_weight: w,
    }
}
